package org.opensearch.relevancefeedback.mapper;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.LeafReaderContext;
import org.opensearch.index.mapper.DocumentMapper;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperServiceTestCase;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.inference.TokenCodec;
import org.opensearch.search.lookup.SourceLookup;

/**
 * The {@code fields} option reads rf_vector and rf_tokens values from the index (vector values, binary doc values), so
 * feedback works with both left out of {@code _source}; documents without a value give none.
 */
public class IndexValueFetcherTests extends MapperServiceTestCase {

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new RelevanceFeedbackPlugin());
    }

    public void testValuesComeFromTheIndexNotFromSource() throws IOException {
        MapperService service = createMapperService(
                "_doc",
                "{\"_doc\":{\"properties\":{"
                        + "\"vec\":{\"type\":\"rf_vector\",\"dimension\":3,\"similarity\":\"l2\"},\"tok\":{\"type\":\"rf_tokens\"}}}}");
        DocumentMapper mapper = service.documentMapper();
        List<String> docs = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            float[][] tokens = {{i, 1, 2}, {-i, 0.5f, 3}};
            String block = Base64.getEncoder().encodeToString(TokenCodec.encode(tokens));
            // document 2 has neither field: it must get no values, not its neighbour's
            docs.add(i == 2 ? "{}" : "{\"vec\":[" + i + ",0.25,-1],\"tok\":\"" + block + "\"}");
            expected.add(i == 2 ? "[] []" : List.of((float) i, 0.25f, -1f) + " " + List.of(block));
        }
        withLuceneIndex(
                service,
                iw -> {
                    for (String doc : docs) {
                        // indexed without its _source: the values can only come from the vector values and doc values
                        iw.addDocument(mapper.parse(source(doc)).rootDoc().getFields().stream()
                                .filter(f -> f.name().equals("_source") == false)
                                .toList());
                    }
                },
                reader -> {
                    ValueFetcher vectors =
                            service.fieldType("vec").valueFetcher(createQueryShardContext(service), null, null);
                    ValueFetcher tokens =
                            service.fieldType("tok").valueFetcher(createQueryShardContext(service), null, null);
                    Set<String> seen = new HashSet<>();
                    for (LeafReaderContext leaf : reader.leaves()) {
                        vectors.setNextReader(leaf);
                        tokens.setNextReader(leaf);
                        List<String> inOrder = new ArrayList<>();
                        for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                            inOrder.add(fetch(leaf, doc, vectors, tokens));
                        }
                        seen.addAll(inOrder);
                        // backwards: the fetchers start over rather than skip or repeat a document
                        for (int doc = leaf.reader().maxDoc() - 1; doc >= 0; doc--) {
                            assertEquals(inOrder.get(doc), fetch(leaf, doc, vectors, tokens));
                        }
                    }
                    assertEquals(expected, seen);
                });
    }

    private static String fetch(LeafReaderContext leaf, int doc, ValueFetcher vectors, ValueFetcher tokens)
            throws IOException {
        SourceLookup lookup = new SourceLookup();
        lookup.setSegmentAndDocument(leaf, doc);
        List<Object> block = tokens.fetchValues(lookup);
        return vectors.fetchValues(lookup) + " "
                + (block.isEmpty() ? "[]" : "[" + Base64.getEncoder().encodeToString((byte[]) block.get(0)) + "]");
    }

    public void testOneTokenBlockPerDocument() throws IOException {
        DocumentMapper mapper =
                createDocumentMapper("_doc", "{\"_doc\":{\"properties\":{\"tok\":{\"type\":\"rf_tokens\"}}}}");
        String block = Base64.getEncoder().encodeToString(TokenCodec.encode(new float[][] {{1, 2}}));
        MapperParsingException e = expectThrows(
                MapperParsingException.class,
                () -> mapper.parse(source("{\"tok\":[\"" + block + "\",\"" + block + "\"]}")));
        assertThat(
                e.getCause().getMessage(),
                containsString("field [tok] of type [rf_tokens] takes one token block per document"));
    }
}
