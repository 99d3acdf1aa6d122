package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * What a {@code relevance_feedback} query searches for when it does not carry a raw {@code vector}: {@code text}
 * (encoded by the text tower), {@code image} (base64, encoded by the vision tower), {@code like} (indexed documents
 * whose stored vectors are the query), or a composed pair: {@code image} or {@code like} together with {@code text},
 * the query being unit(w * reference + (1 - w) * text) with w = {@code reference_weight}. {@code model} names the
 * model that encodes the text and image and runs the summarizer (null: the field's bound model, else the node's default).
 */
public record QueryInput(
        String text, String image, List<Example> like, Boolean includeLike, Float referenceWeight, String model)
        implements Writeable {

    /**
     * The default weight of the reference in a composed query, chosen on the selection part of the composed eval task
     * (scripts/eval.sh --queries composed --part selection; docs/results.md).
     */
    public static final float DEFAULT_REFERENCE_WEIGHT = 0.4f;

    /** A document given as an example: {@code index} null means the search's own targets. */
    public record Example(String index, String id) {
        @Override
        public String toString() {
            return index == null ? "[" + id + "]" : "[" + index + "][" + id + "]";
        }
    }

    static final QueryInput NONE = new QueryInput(null, null, null, null, null, null);

    QueryInput(StreamInput in) throws IOException {
        this(
                in.readOptionalString(),
                in.readOptionalString(),
                in.readBoolean() ? in.readList(i -> new Example(i.readOptionalString(), i.readString())) : null,
                in.readOptionalBoolean(),
                in.readOptionalFloat(),
                in.readOptionalString());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeOptionalString(text);
        out.writeOptionalString(image);
        out.writeBoolean(like != null);
        if (like != null) {
            out.writeCollection(like, (o, e) -> {
                o.writeOptionalString(e.index());
                o.writeString(e.id());
            });
        }
        out.writeOptionalBoolean(includeLike);
        out.writeOptionalFloat(referenceWeight);
        out.writeOptionalString(model);
    }

    void toXContentFields(XContentBuilder builder) throws IOException {
        if (text != null) {
            builder.field("text", text);
        }
        if (image != null) {
            builder.field("image", image);
        }
        if (like != null) {
            builder.startArray("like");
            for (Example e : like) {
                if (e.index() == null) {
                    builder.value(e.id());
                } else {
                    builder.startObject()
                            .field("_index", e.index())
                            .field("_id", e.id())
                            .endObject();
                }
            }
            builder.endArray();
        }
        if (includeLike != null) {
            builder.field("include_like", includeLike);
        }
        if (referenceWeight != null) {
            builder.field("reference_weight", referenceWeight);
        }
        if (model != null) {
            builder.field("model", model);
        }
    }

    /** Collects the input parameters while the query parser walks its object. */
    static final class Parser {
        private String text;
        private String image;
        private List<Example> like;
        private Boolean includeLike;
        private Float referenceWeight;
        private String model;

        /** Returns true when {@code name} was an input parameter and has been consumed. */
        boolean parse(String name, XContentParser parser) throws IOException {
            switch (name) {
                case "text" -> text = RequestValues.text(parser, "text");
                case "image" -> image = RequestValues.text(parser, "image");
                case "like" -> like = examples(parser);
                case "include_like" -> includeLike = RequestValues.bool(parser, "include_like");
                case "reference_weight" -> referenceWeight = (float) RequestValues.number(parser, "reference_weight");
                case "model" -> model = RequestValues.text(parser, "model");
                default -> {
                    return false;
                }
            }
            return true;
        }

        QueryInput build() {
            return new QueryInput(text, image, like, includeLike, referenceWeight, model);
        }

        /** {@code "id"}, {@code {"_index": i, "_id": id}}, or an array of them. */
        private static List<Example> examples(XContentParser parser) throws IOException {
            List<Example> out = new ArrayList<>();
            if (parser.currentToken() == XContentParser.Token.START_ARRAY) {
                for (XContentParser.Token t = parser.nextToken();
                        t != XContentParser.Token.END_ARRAY;
                        t = parser.nextToken()) {
                    out.add(example(parser, "like[" + out.size() + "]"));
                }
            } else {
                out.add(example(parser, "like"));
            }
            return out;
        }

        private static Example example(XContentParser parser, String name) throws IOException {
            if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
                return new Example(null, RequestValues.text(parser, name));
            }
            String index = null;
            String id = null;
            for (XContentParser.Token t = parser.nextToken();
                    t != XContentParser.Token.END_OBJECT;
                    t = parser.nextToken()) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "_index" -> index = RequestValues.text(parser, name + "._index");
                    case "_id" -> id = RequestValues.text(parser, name + "._id");
                    default ->
                        throw new ParsingException(
                                parser.getTokenLocation(),
                                "[" + name + "] unknown field [" + field
                                        + "]: an example is an id or {\"_index\", \"_id\"}");
                }
            }
            if (id == null) {
                throw new ParsingException(parser.getTokenLocation(), "[" + name + "._id] is required");
            }
            return new Example(index, id);
        }
    }

    /** A composed query: a reference (image or example documents) and a modification text. */
    public boolean composed() {
        return text != null && (image != null || like != null);
    }

    /** The weight of the reference in a composed query. */
    public float weight() {
        return referenceWeight == null ? DEFAULT_REFERENCE_WEIGHT : referenceWeight;
    }

    /**
     * Exactly one input, or one composed pair; {@code hasVector}: the query also carries a raw vector. Throws an
     * IllegalArgumentException naming the fields otherwise.
     */
    void validate(boolean hasVector) {
        if (like != null && like.isEmpty()) {
            throw new IllegalArgumentException("[like] must list at least one document id");
        }
        if (hasVector && (text != null || image != null || like != null)) {
            throw new IllegalArgumentException(
                    "[vector] cannot be combined with [text], [image] or [like]: give one query input");
        }
        if (image != null && like != null) {
            throw new IllegalArgumentException(
                    "[image] and [like] cannot be combined: give one reference, optionally with [text]");
        }
        if (hasVector == false && text == null && image == null && like == null) {
            throw new IllegalArgumentException("[vector] is required unless [text], [image] or [like] is given");
        }
        if (referenceWeight != null && composed() == false) {
            throw new IllegalArgumentException(
                    "[reference_weight] applies to a composed query only: [image] or [like] together with [text]");
        }
        if (referenceWeight != null && (referenceWeight >= 0 && referenceWeight <= 1) == false) {
            throw new IllegalArgumentException("[reference_weight] must be in [0, 1], got [" + referenceWeight + "]");
        }
        if (includeLike != null && like == null) {
            throw new IllegalArgumentException("[include_like] applies only with [like]");
        }
    }
}
