package org.opensearch.relevancefeedback.mapper;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperServiceTestCase;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.TestVectors;

/** The mapping's HNSW parameters really shape the graph Lucene writes, and the dimension limit is 4096. */
public class RfVectorCodecTests extends MapperServiceTestCase {

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new RelevanceFeedbackPlugin());
    }

    private MapperService service(int dims, int m) throws IOException {
        return createMapperService(
                "_doc",
                "{\"_doc\":{\"properties\":{\"v\":{\"type\":\"rf_vector\",\"dimension\":" + dims + ",\"hnsw\":{\"m\":"
                        + m + ",\"ef_construction\":64}}}}}");
    }

    public void testMaxConnectionsFollowMapping() throws IOException {
        int small = maxLevel0Degree(4);
        int large = maxLevel0Degree(32);
        // Lucene allows 2*m neighbours on level 0.
        assertThat(small, lessThanOrEqualTo(8));
        assertThat(large, greaterThan(8));
    }

    private int maxLevel0Degree(int m) throws IOException {
        Random random = new Random(42);
        try (Directory dir = new ByteBuffersDirectory()) {
            IndexWriterConfig config =
                    new IndexWriterConfig().setCodec(new RfVectorCodec(Codec.getDefault(), service(16, m), false));
            try (IndexWriter writer = new IndexWriter(dir, config)) {
                for (int i = 0; i < 2000; i++) {
                    Document doc = new Document();
                    doc.add(new KnnFloatVectorField(
                            "v", TestVectors.gaussian(random, 16), VectorSimilarityFunction.COSINE));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReaderContext leaf = reader.leaves().get(0);
                KnnVectorsReader vectors = ((PerFieldKnnVectorsFormat.FieldsReader)
                                ((CodecReader) leaf.reader()).getVectorReader())
                        .getFieldReader("v");
                HnswGraph graph = ((HnswGraphProvider) vectors).getGraph("v");
                int max = 0;
                for (int node = 0; node < graph.size(); node++) {
                    graph.seek(0, node);
                    max = Math.max(max, graph.neighborCount());
                }
                return max;
            }
        }
    }

    public void testDimensionsAbove1024() throws IOException {
        Random random = new Random(7);
        float[] vector = TestVectors.gaussian(random, 2048);
        try (Directory dir = new ByteBuffersDirectory()) {
            IndexWriterConfig config =
                    new IndexWriterConfig().setCodec(new RfVectorCodec(Codec.getDefault(), service(2048, 16), false));
            try (IndexWriter writer = new IndexWriter(dir, config)) {
                Document doc = new Document();
                doc.add(new KnnFloatVectorField("v", vector, VectorSimilarityFunction.COSINE));
                writer.addDocument(doc);
            }
            // Written as plain Lucene99HnswVectorsFormat: stock Lucene reads it back.
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertArrayEquals(
                        vector,
                        reader.leaves()
                                .get(0)
                                .reader()
                                .getFloatVectorValues("v")
                                .vectorValue(0),
                        0f);
            }
        }
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            Document doc = new Document();
            doc.add(new KnnFloatVectorField("v", vector, VectorSimilarityFunction.COSINE));
            Exception e = expectThrows(IllegalArgumentException.class, () -> writer.addDocument(doc));
            assertThat(e.getMessage(), containsString("1024"));
        }
    }
}
