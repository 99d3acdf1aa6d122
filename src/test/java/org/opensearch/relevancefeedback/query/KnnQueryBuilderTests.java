package org.opensearch.relevancefeedback.query;

public class KnnQueryBuilderTests extends KnnQueryTestCase<KnnQueryBuilder> {

    @Override
    protected KnnQueryBuilder wrap(KnnSpec spec) {
        return new KnnQueryBuilder(spec);
    }

    @Override
    protected KnnSpec specOf(KnnQueryBuilder builder) {
        return builder.spec();
    }

    @Override
    protected String queryName() {
        return KnnQueryBuilder.NAME;
    }
}
