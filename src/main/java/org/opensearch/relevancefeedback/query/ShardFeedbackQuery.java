package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.SetOnce;
import org.opensearch.common.logging.HeaderWarning;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.xcontent.MediaType;
import org.opensearch.index.mapper.IdFieldMapper;
import org.opensearch.index.mapper.SourceFieldMapper;
import org.opensearch.index.mapper.Uid;
import org.opensearch.relevancefeedback.feedback.FeedbackLoop;
import org.opensearch.relevancefeedback.mapper.RfVectorFieldMapper;

/**
 * Pseudo-feedback rounds inside one shard's query: the kNN pass, the top hits' vectors from the segment's vector values
 * (and their token blocks from doc values, for the summarizer), {@link FeedbackLoop} with the strategy, a pass with q'
 * per further round, and the final kNN with q' frozen as this shard's top k. In rescore mode the first pass is the
 * shard's top k, and every later pass, the final one included, re-ranks those k by exact similarity to q' instead of
 * searching the graph again. Over one shard this is the same
 * ranking the coordinator's rounds give (same passes, same math), for one search instead of one per pass; over
 * several shards each would refine from its own hits, which is why {@code relevance_feedback} uses it only when its
 * search targets a single shard.
 */
final class ShardFeedbackQuery extends Query {

    private final KnnSpec knn;
    private final KnnSpec.ShardPasses passes;
    private final FeedbackSpec feedback;
    /** What the summarizer reads besides the hits (afs / afs_prf), else null. */
    private final KnnQueryBuilder.Summarizer summarizer;
    /** The round loop's strategy, made from {@code feedback} and {@code summarizer}. */
    private final FeedbackLoop.Strategy strategy;

    private final TokenFields tokenFields;

    private final int rounds;
    private final boolean rescore;
    /** The shard's index name, for the hits' warnings. */
    private final String index;

    ShardFeedbackQuery(
            KnnSpec knn,
            KnnSpec.ShardPasses passes,
            FeedbackSpec feedback,
            KnnQueryBuilder.Summarizer summarizer,
            FeedbackLoop.Strategy strategy,
            TokenFields tokenFields,
            String index) {
        this.knn = knn;
        this.passes = passes;
        this.feedback = feedback;
        this.summarizer = summarizer;
        this.strategy = strategy;
        this.tokenFields = tokenFields;
        this.rounds = feedback.rounds();
        this.rescore = feedback.mode() == FeedbackSpec.Mode.RESCORE;
        this.index = index;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        SetOnce<FeedbackLoop.Outcome> outcome = new SetOnce<>();
        SetOnce<Exception> failure = new SetOnce<>();
        // Rescore mode: the first pass's k hits, which every later pass re-ranks (the coordinator's first pass too);
        // their vectors are read once, not once per pass
        List<TopKnnQuery.Hit> firstPass = rescore ? TopKnnQuery.best(searcher, passes.candidates(knn), knn.k()) : null;
        float[][] firstPassVectors;
        try {
            firstPassVectors = rescore ? vectors(searcher, firstPass) : null;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        try {
            // Every step below answers before it returns (the summarizer waits for the inference pool here), so the
            // loop has finished when run returns.
            FeedbackLoop.run(
                    knn.vector(),
                    // a round reads the top depth hits only: the rest of the first pass is what later passes re-rank
                    rescore
                            ? hits(searcher, top(firstPass, strategy.depth()))
                            : rank(searcher, knn.vector(), strategy.depth()),
                    rounds,
                    strategy,
                    (vector, size, then) -> then.onResponse(
                            rescore
                                    ? hits(searcher, top(rescored(firstPass, firstPassVectors, vector), size))
                                    : rank(searcher, vector, size)),
                    FeedbackLoop.Callback.of(outcome::set, failure::set));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (failure.get() instanceof UncheckedIOException e) {
            throw e.getCause();
        } else if (failure.get() instanceof RuntimeException e) {
            throw e;
        } else if (failure.get() != null) {
            throw new IOException(failure.get());
        }
        outcome.get().warnings().forEach(HeaderWarning::addWarning);
        KnnSpec last = knn.withVector(outcome.get().vector());
        return TopKnnQuery.frozen(
                searcher,
                rescore
                        ? rescored(firstPass, firstPassVectors, last.vector())
                        : TopKnnQuery.best(searcher, passes.candidates(last), last.k()),
                String.format(
                        Locale.ROOT,
                        "kNN top %d on [%s] after %d round(s) of %s feedback in the shard (%s)",
                        last.k(),
                        last.field(),
                        rounds,
                        feedback.strategy().label(),
                        rescore ? "rescore" : "retrieve"));
    }

    /** The best {@code size} hits for {@code vector}, as the round loop reads them. */
    private List<FeedbackLoop.Hit> rank(IndexSearcher searcher, float[] vector, int size) {
        try {
            return hits(searcher, TopKnnQuery.best(searcher, passes.candidates(knn.sized(vector, size)), size));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<FeedbackLoop.Hit> hits(IndexSearcher searcher, List<TopKnnQuery.Hit> ranked) {
        return ranked.stream()
                .map(h -> (FeedbackLoop.Hit) new SegmentHit(searcher, index, tokenFields, h.doc()))
                .toList();
    }

    private static List<TopKnnQuery.Hit> top(List<TopKnnQuery.Hit> ranked, int size) {
        return ranked.subList(0, Math.min(size, ranked.size()));
    }

    /** The hits' vectors in the searched field (a kNN pass over it found them, so each has one). */
    private float[][] vectors(IndexSearcher searcher, List<TopKnnQuery.Hit> hits) {
        return hits.stream()
                .map(h -> new SegmentHit(searcher, index, tokenFields, h.doc()).vector(knn.field()))
                .toArray(float[][]::new);
    }

    /**
     * The first pass's hits scored by exact similarity to {@code vector} with the field's similarity function (the
     * kNN score's scale, as rescore mode scores them on the coordinator's route), in the order of a kNN pass.
     */
    private List<TopKnnQuery.Hit> rescored(List<TopKnnQuery.Hit> firstPass, float[][] vectors, float[] vector) {
        float[] target = passes.type().asIndexed(vector);
        VectorSimilarityFunction similarity = passes.type().similarity().function();
        List<TopKnnQuery.Hit> scored = new ArrayList<>(firstPass.size());
        for (int i = 0; i < firstPass.size(); i++) {
            scored.add(new TopKnnQuery.Hit(firstPass.get(i).doc(), similarity.compare(target, vectors[i])));
        }
        scored.sort(TopKnnQuery.RANKING);
        return scored;
    }

    /** Token fields read from binary doc values (rf_tokens) and from {@code _source} (another mapped type). */
    record TokenFields(List<String> docValues, List<String> source) {}

    /**
     * A hit read from the shard's segments: vectors from the vector values, token blocks as {@link TokenFields} says,
     * the id from the stored fields.
     */
    private record SegmentHit(IndexSearcher searcher, String index, TokenFields tokenFields, int doc)
            implements FeedbackLoop.Hit {
        @Override
        public String id() {
            try {
                Document stored = searcher.storedFields().document(doc, Set.of(IdFieldMapper.NAME));
                BytesRef id = stored.getBinaryValue(IdFieldMapper.NAME);
                return Uid.decodeId(id.bytes, id.offset, id.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public float[] vector(String field) {
            LeafReaderContext leaf = leaf();
            try {
                return RfVectorFieldMapper.vectorOf(leaf.reader().getFloatVectorValues(field), doc - leaf.docBase);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Itself: it holds no fields, and its id is read only if a round's weights are reported (never here). */
        @Override
        public FeedbackLoop.Hit reference() {
            return this;
        }

        /** The block the coordinator's rounds would read: rf_tokens bytes, or base64 in {@code _source}. */
        @Override
        public byte[] tokens(String field) {
            try {
                if (tokenFields.docValues().contains(field)) {
                    LeafReaderContext leaf = leaf();
                    BinaryDocValues values = DocValues.getBinary(leaf.reader(), field);
                    if (values.advanceExact(doc - leaf.docBase) == false) {
                        return null;
                    }
                    BytesRef block = values.binaryValue();
                    return Arrays.copyOfRange(block.bytes, block.offset, block.offset + block.length);
                }
                if (tokenFields.source().contains(field) == false) {
                    return null;
                }
                BytesRef source = searcher.storedFields()
                        .document(doc, Set.of(SourceFieldMapper.NAME))
                        .getBinaryValue(SourceFieldMapper.NAME);
                Object value = source == null
                        ? null
                        : XContentMapValues.extractValue(
                                field,
                                XContentHelper.convertToMap(new BytesArray(source), false, (MediaType) null)
                                        .v2());
                return switch (value) {
                    case null -> null;
                    case String base64 -> Base64.getDecoder().decode(base64);
                    default -> throw new IllegalArgumentException("not a token block");
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private LeafReaderContext leaf() {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            return leaves.get(ReaderUtil.subIndex(doc, leaves));
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
    }

    @Override
    public String toString(String field) {
        return "ShardFeedbackQuery(" + feedback.strategy().label() + ", rounds=" + rounds + (rescore ? ", rescore" : "")
                + ", k=" + knn.k() + ", field=" + knn.field() + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (sameClassAs(o) == false) {
            return false;
        }
        ShardFeedbackQuery other = (ShardFeedbackQuery) o;
        return knn.equals(other.knn)
                && feedback.equals(other.feedback)
                && Objects.equals(summarizer, other.summarizer)
                && tokenFields.equals(other.tokenFields)
                && index.equals(other.index);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), knn, feedback, summarizer, tokenFields, index);
    }
}
