package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.feedback.AttentiveFeedback;
import org.opensearch.relevancefeedback.feedback.Rocchio;

/**
 * The {@code feedback} object of the {@code relevance_feedback} query and rescorer: which feedback, how many
 * items, how many rounds, and the Rocchio parameters. Limits that depend on node settings are checked where the
 * feedback runs (the coordinating node), see {@link FeedbackSearch}.
 */
public final class FeedbackSpec implements Writeable, ToXContentObject {

    public enum Strategy {
        NONE,
        PRF,
        GRF,
        EXPLICIT,
        AFS,
        AFS_PRF;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The Attentive Feedback Summarizer: with the feedback images' captions (afs) or without (afs_prf). */
        public boolean attentive() {
            return this == AFS || this == AFS_PRF;
        }
    }

    /** Region feedback (App. G): a box on one feedback hit's image, relevant or not. */
    public record Region(String id, AttentiveFeedback.Box box) {}

    /**
     * What only the Attentive Feedback Summarizer uses: where the hits' stored tokens are (binary fields written by
     * rf_encode), whether to return saliency maps, region boxes and the factor by which a box multiplies (relevant)
     * or divides (not relevant) the attention to the patches it covers.
     */
    public record Afs(
            String imageTokensField,
            String captionTokensField,
            boolean saliency,
            List<Region> regions,
            double regionFactor)
            implements Writeable {
        public static final double DEFAULT_REGION_FACTOR = 2.0;
        public static final Afs NONE = new Afs(null, null, false, List.of(), DEFAULT_REGION_FACTOR);

        public Afs {
            regions = List.copyOf(regions);
            if (Double.isFinite(regionFactor) == false || regionFactor < 1) {
                throw new IllegalArgumentException(
                        "[feedback.region_factor] must be a finite number >= 1, got [" + regionFactor + "]");
            }
        }

        Afs(StreamInput in) throws IOException {
            this(
                    in.readOptionalString(),
                    in.readOptionalString(),
                    in.readBoolean(),
                    in.readList(r -> new Region(
                            r.readString(),
                            new AttentiveFeedback.Box(
                                    r.readDouble(), r.readDouble(), r.readDouble(), r.readDouble(), r.readBoolean()))),
                    in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeOptionalString(imageTokensField);
            out.writeOptionalString(captionTokensField);
            out.writeBoolean(saliency);
            out.writeCollection(regions, (o, r) -> {
                o.writeString(r.id());
                o.writeDouble(r.box().x());
                o.writeDouble(r.box().y());
                o.writeDouble(r.box().width());
                o.writeDouble(r.box().height());
                o.writeBoolean(r.box().relevant());
            });
            out.writeDouble(regionFactor);
        }

        /** The boxes drawn on the hit {@code id}. */
        public List<AttentiveFeedback.Box> boxes(String id) {
            return regions.stream()
                    .filter(r -> r.id().equals(id))
                    .map(Region::box)
                    .toList();
        }
    }

    /** retrieve: a new kNN over the whole index with q' (the paper's way); rescore: re-rank the first-pass hits. */
    public enum Mode {
        RETRIEVE,
        RESCORE
    }

    public static final int DEFAULT_TOP_K = 5;
    public static final int DEFAULT_WINDOW = 100;

    private final Strategy strategy;
    private final int topK;
    private final int rounds;
    private final Rocchio.Variant rocchio;
    private final Rocchio.Params params;
    private final int window;
    private final String captionField;
    private final List<String> relevant;
    private final List<String> nonRelevant;
    private final List<String> texts;
    private final Mode mode;
    private final Afs afs;

    public FeedbackSpec(
            Strategy strategy,
            int topK,
            int rounds,
            Rocchio.Variant rocchio,
            Rocchio.Params params,
            int window,
            String captionField,
            List<String> relevant,
            List<String> nonRelevant,
            Mode mode) {
        this(
                strategy,
                topK,
                rounds,
                rocchio,
                params,
                window,
                captionField,
                relevant,
                nonRelevant,
                List.of(),
                mode,
                Afs.NONE);
    }

    public FeedbackSpec(
            Strategy strategy,
            int topK,
            int rounds,
            Rocchio.Variant rocchio,
            Rocchio.Params params,
            int window,
            String captionField,
            List<String> relevant,
            List<String> nonRelevant,
            List<String> texts,
            Mode mode,
            Afs afs) {
        this.strategy = Objects.requireNonNull(strategy, "[feedback.strategy] is required");
        this.topK = topK;
        this.rounds = rounds;
        this.rocchio = Objects.requireNonNull(rocchio);
        this.params = Objects.requireNonNull(params);
        this.window = window;
        this.captionField = captionField;
        this.relevant = List.copyOf(relevant);
        this.nonRelevant = List.copyOf(nonRelevant);
        this.texts = List.copyOf(texts);
        this.mode = Objects.requireNonNull(mode);
        this.afs = Objects.requireNonNull(afs);
        if (topK < 1) {
            throw new IllegalArgumentException("[feedback.top_k] must be >= 1, got [" + topK + "]");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("[feedback.rounds] must be >= 1, got [" + rounds + "]");
        }
        if (window < topK) {
            throw new IllegalArgumentException(
                    "[feedback.window] must be >= [feedback.top_k] (" + topK + "), got [" + window + "]");
        }
        if (strategy == Strategy.GRF && captionField == null) {
            throw new IllegalArgumentException("[feedback.caption_field] is required for strategy [grf]");
        }
        if (strategy == Strategy.EXPLICIT && relevant.isEmpty() && nonRelevant.isEmpty() && texts.isEmpty()) {
            throw new IllegalArgumentException(
                    "strategy [explicit] needs [feedback.relevant] and/or [feedback.non_relevant] document ids, or [feedback.text]");
        }
        if (strategy.attentive()) {
            if (afs.imageTokensField() == null) {
                throw new IllegalArgumentException(
                        "[feedback.image_tokens_field] is required for strategy [" + strategy.label() + "]");
            }
            if (strategy == Strategy.AFS && (afs.captionTokensField() == null || captionField == null)) {
                throw new IllegalArgumentException(
                        "strategy [afs] needs [feedback.caption_field] and [feedback.caption_tokens_field] (or use [afs_prf]: images only)");
            }
            if (rocchio != Rocchio.Variant.EXTENDED) {
                throw new IllegalArgumentException("[feedback.rocchio] [original] does not apply to strategy ["
                        + strategy.label() + "] (paper Eq. 8)");
            }
        } else if (afs.equals(Afs.NONE) == false) {
            throw new IllegalArgumentException(
                    "[feedback.image_tokens_field], [caption_tokens_field], [saliency], [regions] and [region_factor] need strategy [afs] or [afs_prf]");
        }
        if (strategy != Strategy.EXPLICIT
                && (relevant.isEmpty() == false || nonRelevant.isEmpty() == false || texts.isEmpty() == false)) {
            throw new IllegalArgumentException(
                    "[feedback.relevant], [feedback.non_relevant] and [feedback.text] need strategy [explicit]");
        }
    }

    public FeedbackSpec(StreamInput in) throws IOException {
        this(
                in.readEnum(Strategy.class),
                in.readVInt(),
                in.readVInt(),
                in.readEnum(Rocchio.Variant.class),
                new Rocchio.Params(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()),
                in.readVInt(),
                in.readOptionalString(),
                in.readStringList(),
                in.readStringList(),
                in.readStringList(),
                in.readEnum(Mode.class),
                new Afs(in));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeEnum(strategy);
        out.writeVInt(topK);
        out.writeVInt(rounds);
        out.writeEnum(rocchio);
        out.writeDouble(params.alpha());
        out.writeDouble(params.beta());
        out.writeDouble(params.gamma());
        out.writeDouble(params.temperature());
        out.writeVInt(window);
        out.writeOptionalString(captionField);
        out.writeStringCollection(relevant);
        out.writeStringCollection(nonRelevant);
        out.writeStringCollection(texts);
        out.writeEnum(mode);
        afs.writeTo(out);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params p) throws IOException {
        builder.startObject();
        builder.field("strategy", strategy.label());
        builder.field("top_k", topK);
        builder.field("rounds", rounds);
        builder.field("rocchio", rocchio.name().toLowerCase(Locale.ROOT));
        builder.field("alpha", params.alpha());
        builder.field("beta", params.beta());
        builder.field("gamma", params.gamma());
        builder.field("temperature", params.temperature());
        builder.field("window", window);
        if (captionField != null) {
            builder.field("caption_field", captionField);
        }
        if (relevant.isEmpty() == false) {
            builder.field("relevant", relevant);
        }
        if (nonRelevant.isEmpty() == false) {
            builder.field("non_relevant", nonRelevant);
        }
        if (texts.isEmpty() == false) {
            builder.field("text", texts);
        }
        if (mode != Mode.RETRIEVE) { // the default, and the only mode of the rescorer, which takes no [mode]
            builder.field("mode", mode.name().toLowerCase(Locale.ROOT));
        }
        if (strategy.attentive()) {
            builder.field("image_tokens_field", afs.imageTokensField());
            if (afs.captionTokensField() != null) {
                builder.field("caption_tokens_field", afs.captionTokensField());
            }
            builder.field("saliency", afs.saliency());
            if (afs.regions().isEmpty() == false) {
                builder.startArray("regions");
                for (Region r : afs.regions()) {
                    AttentiveFeedback.Box b = r.box();
                    builder.startObject()
                            .field("id", r.id())
                            .array("box", b.x(), b.y(), b.width(), b.height())
                            .field("relevant", b.relevant())
                            .endObject();
                }
                builder.endArray();
            }
            builder.field("region_factor", afs.regionFactor());
        }
        return builder.endObject();
    }

    /** The query's feedback object. */
    public static FeedbackSpec fromXContent(XContentParser parser) throws IOException {
        return fromXContent(parser, true);
    }

    /** @param withMode whether [mode] applies (the query); the rescorer always re-ranks its first pass. */
    public static FeedbackSpec fromXContent(XContentParser parser, boolean withMode) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new ParsingException(parser.getTokenLocation(), "[feedback] must be an object");
        }
        Strategy strategy = null;
        int topK = DEFAULT_TOP_K;
        int rounds = 1;
        Rocchio.Variant rocchio = Rocchio.Variant.EXTENDED;
        Rocchio.Params d = Rocchio.Params.DEFAULTS;
        double alpha = d.alpha(), beta = d.beta(), gamma = d.gamma(), temperature = d.temperature();
        Integer window = null;
        String captionField = null;
        List<String> relevant = List.of();
        List<String> nonRelevant = List.of();
        List<String> texts = List.of();
        Mode mode = Mode.RETRIEVE;
        String imageTokensField = null;
        String captionTokensField = null;
        boolean saliency = false;
        List<Region> regions = List.of();
        double regionFactor = Afs.DEFAULT_REGION_FACTOR;
        String current = null;
        for (XContentParser.Token t = parser.nextToken();
                t != XContentParser.Token.END_OBJECT;
                t = parser.nextToken()) {
            if (t == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
                continue;
            }
            switch (current) {
                case "strategy" -> strategy = parseEnum(parser, Strategy.class, current);
                case "top_k" -> topK = RequestValues.integer(parser, "feedback.top_k");
                case "rounds" -> rounds = RequestValues.integer(parser, "feedback.rounds");
                case "rocchio" -> rocchio = parseEnum(parser, Rocchio.Variant.class, current);
                case "alpha" -> alpha = RequestValues.number(parser, "feedback.alpha");
                case "beta" -> beta = RequestValues.number(parser, "feedback.beta");
                case "gamma" -> gamma = RequestValues.number(parser, "feedback.gamma");
                case "temperature" -> temperature = RequestValues.number(parser, "feedback.temperature");
                case "window" -> window = RequestValues.integer(parser, "feedback.window");
                case "caption_field" -> captionField = RequestValues.string(parser, "feedback.caption_field");
                case "relevant" -> relevant = parseIds(parser, current);
                case "non_relevant" -> nonRelevant = parseIds(parser, current);
                case "mode" -> {
                    if (withMode == false) {
                        throw new ParsingException(
                                parser.getTokenLocation(),
                                "[feedback.mode] does not apply to the rescorer, which always re-ranks the first pass");
                    }
                    mode = parseEnum(parser, Mode.class, current);
                }
                case "image_tokens_field" ->
                    imageTokensField = RequestValues.string(parser, "feedback.image_tokens_field");
                case "caption_tokens_field" ->
                    captionTokensField = RequestValues.string(parser, "feedback.caption_tokens_field");
                case "saliency" -> saliency = RequestValues.bool(parser, "feedback.saliency");
                case "regions" -> regions = parseRegions(parser);
                case "region_factor" -> regionFactor = RequestValues.number(parser, "feedback.region_factor");
                case "text" -> texts = parseTexts(parser);
                default ->
                    throw new ParsingException(parser.getTokenLocation(), "[feedback] unknown field [" + current + "]");
            }
        }
        if (strategy == null) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[feedback.strategy] is required (none, prf, grf, explicit, afs, afs_prf)");
        }
        try {
            Rocchio.Params params = new Rocchio.Params(alpha, beta, gamma, temperature);
            int w = window != null ? window : Math.max(DEFAULT_WINDOW, topK);
            Afs afs = new Afs(imageTokensField, captionTokensField, saliency, regions, regionFactor);
            return new FeedbackSpec(
                    strategy, topK, rounds, rocchio, params, w, captionField, relevant, nonRelevant, texts, mode, afs);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            // Rocchio.Params names bare parameters ("[alpha] ..."); say where they sit in the request.
            throw new ParsingException(
                    parser.getTokenLocation(),
                    m.startsWith("[") && m.startsWith("[feedback") == false ? "[feedback." + m.substring(1) : m,
                    e);
        }
    }

    private static <E extends Enum<E>> E parseEnum(XContentParser parser, Class<E> type, String name)
            throws IOException {
        String value = RequestValues.string(parser, "feedback." + name);
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[feedback." + name + "] must be one of " + allowed + ", got [" + value + "]");
        }
    }

    private static List<String> parseIds(XContentParser parser, String name) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[feedback." + name + "] must be an array of document ids");
        }
        List<String> ids = new ArrayList<>();
        while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
            ids.add(RequestValues.string(parser, "feedback." + name + "[" + ids.size() + "]"));
        }
        return ids;
    }

    /** One text or an array of them; each must have a non-blank character. */
    private static List<String> parseTexts(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            return List.of(RequestValues.text(parser, "feedback.text"));
        }
        List<String> texts = new ArrayList<>();
        while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
            texts.add(RequestValues.text(parser, "feedback.text[" + texts.size() + "]"));
        }
        return texts;
    }

    /** [{"id": "doc", "box": [x, y, w, h], "relevant": true}, ...]; a bad box names its position in the array. */
    private static List<Region> parseRegions(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new ParsingException(
                    parser.getTokenLocation(), "[feedback.regions] must be an array of {id, box, relevant} objects");
        }
        List<Region> regions = new ArrayList<>();
        while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
            String where = "[feedback.regions][" + regions.size() + "]";
            String name = "feedback.regions[" + regions.size() + "]";
            if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
                throw new ParsingException(parser.getTokenLocation(), where + " must be an object {id, box, relevant}");
            }
            String id = null;
            List<Double> box = new ArrayList<>();
            boolean relevant = true;
            String field = null;
            for (XContentParser.Token t = parser.nextToken();
                    t != XContentParser.Token.END_OBJECT;
                    t = parser.nextToken()) {
                if (t == XContentParser.Token.FIELD_NAME) {
                    field = parser.currentName();
                } else if ("id".equals(field)) {
                    id = RequestValues.string(parser, name + ".id");
                } else if ("relevant".equals(field)) {
                    relevant = RequestValues.bool(parser, name + ".relevant");
                } else if ("box".equals(field)) {
                    if (t != XContentParser.Token.START_ARRAY) {
                        throw new ParsingException(
                                parser.getTokenLocation(), where + ".box must be an array [x, y, width, height]");
                    }
                    while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
                        box.add(RequestValues.number(parser, name + ".box"));
                    }
                } else {
                    throw new ParsingException(parser.getTokenLocation(), where + " unknown field [" + field + "]");
                }
            }
            if (id == null || box.size() != 4) {
                throw new ParsingException(
                        parser.getTokenLocation(), where + " needs [id] and [box]: [x, y, width, height] in [0, 1]");
            }
            try {
                regions.add(new Region(
                        id, new AttentiveFeedback.Box(box.get(0), box.get(1), box.get(2), box.get(3), relevant)));
            } catch (IllegalArgumentException e) {
                throw new ParsingException(parser.getTokenLocation(), where + ".box: " + e.getMessage(), e);
            }
        }
        return regions;
    }

    /**
     * Checks the node-level limits, once, before anything is encoded or searched (the callers: {@link
     * FeedbackCoordinator} for the query, the rescorer and the endpoint; {@code rf_knn} for the rounds a shard runs); a
     * violation is the user's to fix (400).
     */
    public void checkLimits(RelevanceFeedbackSettings.FeedbackLimits limits) {
        if (rounds() > limits.maxRounds()) {
            throw new IllegalArgumentException("[feedback.rounds] must be <= " + limits.maxRounds() + " (setting ["
                    + RelevanceFeedbackSettings.MAX_ROUNDS.getKey() + "]), got [" + rounds() + "]");
        }
        if (feedbackDepth() > limits.maxWindow()) {
            String name = rocchio() == Rocchio.Variant.ORIGINAL ? "window" : "top_k";
            throw new IllegalArgumentException("[feedback." + name + "] must be <= " + limits.maxWindow()
                    + " (setting [" + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "]), got ["
                    + feedbackDepth() + "]");
        }
        if (strategy().attentive() && topK() > limits.maxAfsTopK()) {
            throw new IllegalArgumentException("[feedback.top_k] must be <= " + limits.maxAfsTopK() + " for strategy ["
                    + strategy().label() + "] (setting [" + RelevanceFeedbackSettings.MAX_AFS_TOP_K.getKey()
                    + "]), got [" + topK() + "]");
        }
        if (relevant().size() + nonRelevant().size() + texts().size() > limits.maxWindow()) {
            throw new IllegalArgumentException(
                    "[feedback.relevant] + [feedback.non_relevant] + [feedback.text] must list <= " + limits.maxWindow()
                            + " items (setting [" + RelevanceFeedbackSettings.MAX_FEEDBACK_WINDOW.getKey() + "])");
        }
    }

    public Strategy strategy() {
        return strategy;
    }

    public int topK() {
        return topK;
    }

    public int rounds() {
        return rounds;
    }

    public Rocchio.Variant rocchio() {
        return rocchio;
    }

    public Rocchio.Params params() {
        return params;
    }

    public int window() {
        return window;
    }

    public String captionField() {
        return captionField;
    }

    public List<String> relevant() {
        return relevant;
    }

    public List<String> nonRelevant() {
        return nonRelevant;
    }

    /** Explicit feedback words: averaged with q as in the paper's explicit baseline. */
    public List<String> texts() {
        return texts;
    }

    public Mode mode() {
        return mode;
    }

    public Afs afs() {
        return afs;
    }

    /** How many ranked hits one pseudo-feedback round looks at. */
    public int feedbackDepth() {
        return rocchio.depth(topK, window);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o instanceof FeedbackSpec == false) return false;
        FeedbackSpec f = (FeedbackSpec) o;
        return strategy == f.strategy
                && topK == f.topK
                && rounds == f.rounds
                && rocchio == f.rocchio
                && params.equals(f.params)
                && window == f.window
                && Objects.equals(captionField, f.captionField)
                && relevant.equals(f.relevant)
                && nonRelevant.equals(f.nonRelevant)
                && texts.equals(f.texts)
                && mode == f.mode
                && afs.equals(f.afs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                strategy, topK, rounds, rocchio, params, window, captionField, relevant, nonRelevant, texts, mode, afs);
    }
}
