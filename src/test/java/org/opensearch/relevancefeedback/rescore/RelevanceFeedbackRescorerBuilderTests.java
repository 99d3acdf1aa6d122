package org.opensearch.relevancefeedback.rescore;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.List;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.feedback.Rocchio;
import org.opensearch.relevancefeedback.query.FeedbackSpec;
import org.opensearch.search.rescore.QueryRescoreMode;
import org.opensearch.test.OpenSearchTestCase;

/** XContent and Writeable round trips of the rescorer, as OpenSearch's rescorer builder tests do. */
public class RelevanceFeedbackRescorerBuilderTests extends OpenSearchTestCase {

    private static RelevanceFeedbackRescorerBuilder randomRescorer() {
        float[] vector = new float[randomIntBetween(1, 16)];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = randomFloat() + 0.1f;
        }
        FeedbackSpec.Strategy strategy = randomFrom(
                FeedbackSpec.Strategy.PRF,
                FeedbackSpec.Strategy.GRF,
                FeedbackSpec.Strategy.EXPLICIT,
                FeedbackSpec.Strategy.AFS,
                FeedbackSpec.Strategy.AFS_PRF);
        boolean afs = strategy == FeedbackSpec.Strategy.AFS;
        FeedbackSpec feedback = new FeedbackSpec(
                strategy,
                randomIntBetween(1, 10),
                randomIntBetween(1, 3),
                strategy.attentive() ? Rocchio.Variant.EXTENDED : randomFrom(Rocchio.Variant.values()),
                new Rocchio.Params(randomDouble(), randomDouble(), randomDouble(), 0.05),
                100,
                strategy == FeedbackSpec.Strategy.GRF || afs ? "caption_vec" : null,
                strategy == FeedbackSpec.Strategy.EXPLICIT ? List.of("7") : List.of(),
                List.of(),
                List.of(),
                FeedbackSpec.Mode.RETRIEVE,
                strategy.attentive()
                        ? new FeedbackSpec.Afs(
                                "image_tokens", afs ? "caption_tokens" : null, randomBoolean(), List.of(), 2.0)
                        : FeedbackSpec.Afs.NONE);
        String text = strategy.attentive() ? randomAlphaOfLength(8) : null;
        RelevanceFeedbackRescorerBuilder b = new RelevanceFeedbackRescorerBuilder("vec", vector, feedback, text, null)
                .queryWeight(randomFloat())
                .rescoreQueryWeight(randomFloat())
                .scoreMode(randomFrom(QueryRescoreMode.values()))
                .model(text != null && randomBoolean() ? randomAlphaOfLength(6) : null);
        if (randomBoolean()) {
            b.windowSize(randomIntBetween(1, 100));
        }
        return b;
    }

    public void testXContentRoundTrip() throws IOException {
        for (int i = 0; i < 20; i++) {
            RelevanceFeedbackRescorerBuilder original = randomRescorer();
            XContentBuilder json = original.toXContent(JsonXContent.contentBuilder(), ToXContent.EMPTY_PARAMS);
            RelevanceFeedbackRescorerBuilder parsed =
                    parse(BytesReference.bytes(json).utf8ToString());
            assertEquals(original, parsed);
        }
    }

    /** Parses {"window_size": .., "relevance_feedback": {..}} the way the search request parser hands it over. */
    private static RelevanceFeedbackRescorerBuilder parse(String json) throws IOException {
        try (XContentParser p = JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, null, json)) {
            p.nextToken();
            Integer window = null;
            RelevanceFeedbackRescorerBuilder b = null;
            while (p.nextToken() == XContentParser.Token.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("window_size".equals(name)) {
                    window = p.intValue();
                } else {
                    b = RelevanceFeedbackRescorerBuilder.fromXContent(p, null);
                }
            }
            if (window != null) {
                b.windowSize(window);
            }
            return b;
        }
    }

    public void testWriteableRoundTrip() throws IOException {
        RelevanceFeedbackRescorerBuilder original = randomRescorer();
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            original.writeTo(out);
            try (StreamInput in = out.bytes().streamInput()) {
                assertEquals(original, new RelevanceFeedbackRescorerBuilder(in, null));
            }
        }
    }

    public void testParseErrors() {
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse(
                                        "{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1],\"feedback\":{\"strategy\":\"afs_prf\",\"image_tokens_field\":\"t\"}}}"))
                        .getMessage(),
                containsString(
                        "[text] (the query's words, read by the summarizer) is required for strategies [afs] and [afs_prf]"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse("{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1]}}"))
                        .getMessage(),
                containsString("needs [field], [vector] and [feedback]"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse(
                                        "{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1],\"feedback\":{\"strategy\":\"none\"}}}"))
                        .getMessage(),
                containsString("strategy other than [none]"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse(
                                        "{\"relevance_feedback\":{\"field\":\"v\",\"vector\":[1],\"feedback\":{\"strategy\":\"prf\"},\"score_mode\":\"x\"}}"))
                        .getMessage(),
                containsString("illegal score_mode [x]"));
        String prf = "\"field\":\"v\",\"vector\":[1],\"feedback\":{\"strategy\":\"prf\"";
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> parse("{\"window_size\":-5,\"relevance_feedback\":{" + prf + "}}}"))
                        .getMessage(),
                containsString("[window_size] must be >= 0, got [-5]"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse("{\"relevance_feedback\":{" + prf + ",\"mode\":\"rescore\"}}}"))
                        .getMessage(),
                containsString("[feedback.mode] does not apply to the rescorer"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse("{\"relevance_feedback\":{" + prf + "},\"query_weight\":null}}"))
                        .getMessage(),
                containsString("[query_weight] must be a number, got [VALUE_NULL]"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse("{\"relevance_feedback\":{" + prf + "},\"text\":\"\"}}"))
                        .getMessage(),
                containsString("[text] must not be empty"));
        assertThat(
                expectThrows(
                                ParsingException.class,
                                () -> parse("{\"relevance_feedback\":{" + prf + "},\"model\":\"clip-b32\"}}"))
                        .getMessage(),
                containsString("[model] applies to strategies [afs] and [afs_prf]"));
    }
}
