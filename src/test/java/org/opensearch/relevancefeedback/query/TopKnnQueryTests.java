package org.opensearch.relevancefeedback.query;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.opensearch.index.mapper.Uid;
import org.opensearch.test.OpenSearchTestCase;

/** The shard-level Lucene queries against exact brute force on a multi-segment index. */
public class TopKnnQueryTests extends OpenSearchTestCase {

    private static final int N = 300;
    private static final int DIMS = 6;

    public void testTopKEqualsBruteForceAcrossSegments() throws IOException {
        float[][] vectors = new float[N][];
        for (int i = 0; i < N; i++) {
            vectors[i] = KnnQueryTestCase.randomVector(DIMS);
        }
        try (Directory dir = new ByteBuffersDirectory()) {
            try (IndexWriter writer = new IndexWriter(
                    dir, new IndexWriterConfig().setMaxBufferedDocs(37).setMergePolicy(NoMergePolicy.INSTANCE))) {
                for (int i = 0; i < N; i++) {
                    Document doc = new Document();
                    doc.add(new KnnFloatVectorField("v", vectors[i], VectorSimilarityFunction.COSINE));
                    doc.add(new StringField("parity", i % 2 == 0 ? "even" : "odd", Field.Store.NO));
                    writer.addDocument(doc);
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertTrue("want several segments", reader.leaves().size() > 1);
                IndexSearcher searcher = new IndexSearcher(reader);
                for (int round = 0; round < 20; round++) {
                    float[] q = KnnQueryTestCase.randomVector(DIMS);
                    int k = randomIntBetween(1, 20);
                    boolean filtered = randomBoolean();
                    Query filter = filtered ? new TermQuery(new Term("parity", "even")) : null;
                    // num_candidates = N makes HNSW exhaustive, so the result must be the exact top k.
                    TopKnnQuery query = new TopKnnQuery(new KnnFloatVectorQuery("v", q, N, filter), k);
                    TopDocs top = searcher.search(query, N);
                    int[] expected = IntStream.range(0, N)
                            .filter(i -> filtered == false || i % 2 == 0)
                            .boxed()
                            .sorted(Comparator.comparingDouble(
                                    (Integer i) -> -VectorSimilarityFunction.COSINE.compare(q, vectors[i])))
                            .mapToInt(Integer::intValue)
                            .limit(k)
                            .toArray();
                    assertArrayEquals(
                            expected,
                            Arrays.stream(top.scoreDocs).mapToInt(sd -> sd.doc).toArray());
                    for (ScoreDoc sd : top.scoreDocs) {
                        assertEquals(VectorSimilarityFunction.COSINE.compare(q, vectors[sd.doc]), sd.score, 1e-6f);
                        Explanation explanation = searcher.explain(query, sd.doc);
                        assertTrue(explanation.isMatch());
                        assertEquals(sd.score, explanation.getValue().floatValue(), 0f);
                    }
                    int outside = IntStream.range(0, N)
                            .filter(i -> Arrays.stream(expected).noneMatch(e -> e == i))
                            .findFirst()
                            .getAsInt();
                    assertFalse(searcher.explain(query, outside).isMatch());
                }
            }
        }
    }

    public void testHitsByIdQueryFindsLiveDocsById() throws IOException {
        try (Directory dir = new ByteBuffersDirectory()) {
            try (IndexWriter writer =
                    new IndexWriter(dir, new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE))) {
                for (int i = 0; i < 10; i++) {
                    Document doc = new Document();
                    doc.add(new StringField("_id", Uid.encodeId("d" + i), Field.Store.NO));
                    doc.add(new StoredField("name", "d" + i));
                    writer.addDocument(doc);
                    writer.commit(); // one segment per doc
                }
                writer.deleteDocuments(new Term("_id", Uid.encodeId("d3")));
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                HitsByIdQuery query = new HitsByIdQuery(
                        List.of(
                                new FinalHitsQueryBuilder.FinalHit("i", 0, "d7", 0.9f),
                                new FinalHitsQueryBuilder.FinalHit("i", 0, "d3", 0.8f), // deleted: skipped
                                new FinalHitsQueryBuilder.FinalHit("i", 0, "d1", 0.5f),
                                new FinalHitsQueryBuilder.FinalHit("i", 0, "missing", 0.4f)),
                        "test hits");
                TopDocs top = searcher.search(query, 10);
                assertEquals(2, top.scoreDocs.length);
                assertEquals(
                        "d7",
                        searcher.storedFields().document(top.scoreDocs[0].doc).get("name"));
                assertEquals(0.9f, top.scoreDocs[0].score, 0f);
                assertEquals(
                        "d1",
                        searcher.storedFields().document(top.scoreDocs[1].doc).get("name"));
                assertEquals(0.5f, top.scoreDocs[1].score, 0f);
                assertThat(searcher.explain(query, top.scoreDocs[0].doc).getDescription(), containsString("test hits"));
            }
        }
    }
}
