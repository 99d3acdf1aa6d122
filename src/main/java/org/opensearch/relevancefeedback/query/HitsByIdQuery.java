package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.util.Bits;
import org.opensearch.index.mapper.IdFieldMapper;
import org.opensearch.index.mapper.Uid;

/** Finds documents by {@code _id} on one shard and rewrites to a query that gives each its listed score. */
final class HitsByIdQuery extends Query {

    private final List<FinalHitsQueryBuilder.FinalHit> docs;
    private final String description;

    HitsByIdQuery(List<FinalHitsQueryBuilder.FinalHit> docs, String description) {
        this.docs = docs;
        this.description = description;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        record Found(int doc, float score, List<FinalHitsQueryBuilder.Note> notes) {}
        List<Found> found = new ArrayList<>();
        for (FinalHitsQueryBuilder.FinalHit d : docs) {
            int doc = liveDocWithId(searcher, d.id());
            if (doc != DocIdSetIterator.NO_MORE_DOCS) {
                found.add(new Found(doc, d.score(), d.notes()));
            }
        }
        found.sort(Comparator.comparingInt(Found::doc));
        int[] ids = found.stream().mapToInt(Found::doc).toArray();
        float[] scores = new float[ids.length];
        Explanation[][] details = new Explanation[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            scores[i] = found.get(i).score();
            details[i] = found.get(i).notes().stream()
                    .map(n -> Explanation.match(n.value(), n.description()))
                    .toArray(Explanation[]::new);
        }
        return new FixedScoresQuery(
                ids, scores, details, searcher.getIndexReader().getContext().id(), description);
    }

    /** The global doc id of the live document with this _id, or NO_MORE_DOCS if it was deleted meanwhile. */
    private static int liveDocWithId(IndexSearcher searcher, String id) throws IOException {
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            Terms terms = leaf.reader().terms(IdFieldMapper.NAME);
            if (terms == null) {
                continue;
            }
            TermsEnum te = terms.iterator();
            if (te.seekExact(Uid.encodeId(id)) == false) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            PostingsEnum postings = te.postings(null, PostingsEnum.NONE);
            for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
                if (live == null || live.get(doc)) {
                    return leaf.docBase + doc;
                }
            }
        }
        return DocIdSetIterator.NO_MORE_DOCS;
    }

    @Override
    public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
    }

    @Override
    public String toString(String field) {
        return description + "[" + docs.size() + " ids]";
    }

    @Override
    public boolean equals(Object o) {
        return sameClassAs(o) && docs.equals(((HitsByIdQuery) o).docs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), docs);
    }
}
