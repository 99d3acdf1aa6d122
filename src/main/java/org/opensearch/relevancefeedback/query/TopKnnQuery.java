package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;

/**
 * Runs an HNSW search with a candidate list of {@code num_candidates} and keeps the best {@code k} of it,
 * the way {@code num_candidates} trades recall for speed without changing how many hits come back.
 */
final class TopKnnQuery extends Query {

    private final KnnFloatVectorQuery knn;
    private final int k;

    TopKnnQuery(KnnFloatVectorQuery knn, int k) {
        this.knn = knn;
        this.k = k;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        return frozen(searcher, best(searcher, knn, k), "kNN top " + k + " on [" + knn.getField() + "]");
    }

    /** The hits of a pass as a query that matches exactly them with their scores. */
    static Query frozen(IndexSearcher searcher, List<Hit> hits, String description) {
        List<Hit> top = new ArrayList<>(hits);
        top.sort(Comparator.comparingInt(h -> h.doc));
        int[] topDocs = new int[top.size()];
        float[] topScores = new float[top.size()];
        for (int i = 0; i < top.size(); i++) {
            topDocs[i] = top.get(i).doc;
            topScores[i] = top.get(i).score;
        }
        return new FixedScoresQuery(
                topDocs, topScores, null, searcher.getIndexReader().getContext().id(), description);
    }

    /** The best {@code k} hits of an HNSW search (global doc ids), best first. */
    static List<Hit> best(IndexSearcher searcher, KnnFloatVectorQuery knn, int k) throws IOException {
        Query candidates = knn.rewrite(searcher);
        Weight weight = candidates.createWeight(searcher, ScoreMode.COMPLETE, 1f);
        // At most num_candidates hits, so collecting and sorting them all is cheap.
        List<Hit> hits = new ArrayList<>();
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            Scorer scorer = weight.scorer(leaf);
            if (scorer == null) {
                continue;
            }
            DocIdSetIterator it = scorer.iterator();
            for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                hits.add(new Hit(leaf.docBase + doc, scorer.score()));
            }
        }
        hits.sort(RANKING);
        return hits.subList(0, Math.min(k, hits.size()));
    }

    /** Best score first; on ties the lower doc id wins, as in Lucene's TopDocs merge. */
    static final Comparator<Hit> RANKING =
            Comparator.comparingDouble((Hit h) -> -h.score).thenComparingInt(h -> h.doc);

    record Hit(int doc, float score) {}

    @Override
    public void visit(QueryVisitor visitor) {
        knn.visit(visitor);
    }

    @Override
    public String toString(String field) {
        return "TopKnnQuery(k=" + k + ", " + knn.toString(field) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return sameClassAs(o) && k == ((TopKnnQuery) o).k && knn.equals(((TopKnnQuery) o).knn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), knn, k);
    }
}
