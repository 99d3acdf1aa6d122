package org.opensearch.relevancefeedback.query;

import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * Matches a fixed set of documents (global doc ids of one reader) with fixed scores: the result of a kNN
 * pass, frozen after rewrite so that scoring, explain and paging see exactly the hits the pass chose.
 */
final class FixedScoresQuery extends Query {

    private final int[] docs;
    private final float[] scores;
    private final Explanation[][] details;
    private final Object readerId;
    private final String description;

    /** {@code details}: per doc explanation details, or null for none. {@code docs} must be ascending global doc ids of the reader whose context id is {@code readerId}. */
    FixedScoresQuery(int[] docs, float[] scores, Explanation[][] details, Object readerId, String description) {
        this.docs = docs;
        this.scores = scores;
        this.details = details;
        this.readerId = readerId;
        this.description = description;
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        if (searcher.getIndexReader().getContext().id() != readerId) {
            throw new IllegalStateException("query was rewritten against a different reader");
        }
        return new Weight(this) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) {
                int i = Arrays.binarySearch(docs, context.docBase + doc);
                if (i < 0) {
                    return Explanation.noMatch("not among the " + docs.length + " hits of " + description);
                }
                return Explanation.match(
                        scores[i] * boost,
                        "score of " + description + (boost == 1f ? "" : " times boost " + boost),
                        details == null ? new Explanation[0] : details[i]);
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) {
                int from = lowerBound(context.docBase);
                int to = lowerBound(context.docBase + context.reader().maxDoc());
                if (from == to) {
                    return null;
                }
                return new DefaultScorerSupplier(new SegmentScorer(context.docBase, from, to, boost));
            }

            @Override
            public boolean isCacheable(LeafReaderContext ctx) {
                return true;
            }
        };
    }

    private int lowerBound(int doc) {
        int i = Arrays.binarySearch(docs, doc);
        return i >= 0 ? i : -i - 1;
    }

    /** Iterates the slice [from, to) of the doc array that falls into one segment. */
    private final class SegmentScorer extends Scorer {
        private final int docBase;
        private final int from;
        private final int to;
        private final float boost;
        private int index;

        SegmentScorer(int docBase, int from, int to, float boost) {
            this.docBase = docBase;
            this.from = from;
            this.to = to;
            this.boost = boost;
            this.index = from - 1;
        }

        @Override
        public int docID() {
            if (index < from) {
                return -1;
            }
            return index >= to ? DocIdSetIterator.NO_MORE_DOCS : docs[index] - docBase;
        }

        @Override
        public float score() {
            return scores[index] * boost;
        }

        @Override
        public float getMaxScore(int upTo) {
            float max = 0;
            for (int i = Math.max(index, from); i < to && docs[i] - docBase <= upTo; i++) {
                max = Math.max(max, scores[i]);
            }
            return max * boost;
        }

        @Override
        public DocIdSetIterator iterator() {
            return new DocIdSetIterator() {
                @Override
                public int docID() {
                    return SegmentScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    index++;
                    return docID();
                }

                @Override
                public int advance(int target) {
                    index = Math.max(index, lowerBound(target + docBase));
                    return docID();
                }

                @Override
                public long cost() {
                    return to - from;
                }
            };
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
    }

    @Override
    public String toString(String field) {
        return description + "[" + docs.length + " docs]";
    }

    @Override
    public boolean equals(Object o) {
        if (sameClassAs(o) == false) return false;
        FixedScoresQuery other = (FixedScoresQuery) o;
        return readerId == other.readerId && Arrays.equals(docs, other.docs) && Arrays.equals(scores, other.scores);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), Arrays.hashCode(docs), Arrays.hashCode(scores), readerId);
    }
}
