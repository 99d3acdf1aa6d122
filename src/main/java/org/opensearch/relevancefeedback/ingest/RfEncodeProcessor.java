package org.opensearch.relevancefeedback.ingest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.opensearch.core.action.ActionListener;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.relevancefeedback.inference.ModelService;
import org.opensearch.relevancefeedback.inference.TokenCodec;

/**
 * {@code rf_encode}: writes the image embedding of a base64 PNG/JPEG field and/or the text embedding of a text
 * field (e.g. a caption, for GRF) into {@code rf_vector} fields, through {@link ModelService} on the plugin's inference
 * pool; a bulk's documents are encoded in batches of {@code batch_size}. Optionally the token states AFS needs (image
 * CLS + patch tokens, caption word tokens) go into {@code rf_tokens} fields as int8 blocks ({@link TokenCodec}). A bad document (invalid base64, undecodable or oversized
 * image, missing field) fails alone with a message naming the field; the rest of the bulk goes in.
 */
public final class RfEncodeProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = "rf_encode";

    private final Supplier<ModelService> models;
    /** The model that encodes (null: the node's default). */
    private final String model;

    private final String imageField;
    private final String imageVectorField;
    private final String textField;
    private final String textVectorField;
    private final String imageTokensField;
    private final String textTokensField;
    private final boolean ignoreMissing;
    private final boolean removeImage;

    RfEncodeProcessor(
            String tag,
            String description,
            int batchSize,
            Supplier<ModelService> models,
            String model,
            String imageField,
            String imageVectorField,
            String textField,
            String textVectorField,
            String imageTokensField,
            String textTokensField,
            boolean ignoreMissing,
            boolean removeImage) {
        super(tag, description, batchSize);
        this.models = models;
        this.model = model;
        this.imageField = imageField;
        this.imageVectorField = imageVectorField;
        this.textField = textField;
        this.textVectorField = textVectorField;
        this.imageTokensField = imageTokensField;
        this.textTokensField = textTokensField;
        this.ignoreMissing = ignoreMissing;
        this.removeImage = removeImage;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public IngestDocument execute(IngestDocument document) {
        throw new UnsupportedOperationException("[" + TYPE + "] runs asynchronously on the inference thread pool");
    }

    @Override
    public void execute(IngestDocument document, BiConsumer<IngestDocument, Exception> handler) {
        encode(List.of(document), errors -> handler.accept(errors[0] == null ? document : null, errors[0]));
    }

    @Override
    protected void subBatchExecute(
            List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        List<IngestDocument> docs =
                documents.stream().map(IngestDocumentWrapper::getIngestDocument).toList();
        encode(docs, errors -> {
            List<IngestDocumentWrapper> out = new ArrayList<>();
            for (int i = 0; i < documents.size(); i++) {
                IngestDocumentWrapper w = documents.get(i);
                out.add(new IngestDocumentWrapper(
                        w.getSlot(), w.getChildSlot(), errors[i] == null ? docs.get(i) : null, errors[i]));
            }
            handler.accept(out);
        });
    }

    /** Encodes the documents in one batch per tower on the inference pool; reports one error (or null) per document. */
    private void encode(List<IngestDocument> docs, Consumer<Exception[]> done) {
        Exception[] errors = new Exception[docs.size()];
        ModelService service = models.get();
        if (service == null) {
            Arrays.fill(
                    errors,
                    new IllegalStateException(
                            "[" + TYPE + "] the encoder model is not loaded on this node: not set up"));
            done.accept(errors);
            return;
        }
        List<String> images = inputs(docs, imageField, errors);
        List<String> texts = inputs(docs, textField, errors);
        service.encodeForIngest(
                model,
                images,
                texts,
                ActionListener.wrap(
                        batch -> {
                            for (int i = 0; i < docs.size(); i++) {
                                IngestDocument doc = docs.get(i);
                                errors[i] = errors[i] != null
                                        ? errors[i]
                                        : write(
                                                doc,
                                                imageField,
                                                batch.images().get(i),
                                                imageVectorField,
                                                imageTokensField);
                                errors[i] = errors[i] != null
                                        ? errors[i]
                                        : write(doc, textField, batch.texts().get(i), textVectorField, textTokensField);
                                if (errors[i] == null && removeImage && images.get(i) != null) {
                                    doc.removeField(imageField);
                                }
                            }
                            done.accept(errors);
                        },
                        e -> {
                            Exception batchError = new IllegalStateException("[" + TYPE + "] " + e.getMessage(), e);
                            for (int i = 0; i < errors.length; i++) {
                                errors[i] = errors[i] == null ? batchError : errors[i];
                            }
                            done.accept(errors);
                        }));
    }

    /** Each document's string in {@code field}; null where the processor has no such field or the document is skipped. */
    private List<String> inputs(List<IngestDocument> docs, String field, Exception[] errors) {
        List<String> out = new ArrayList<>(Collections.nCopies(docs.size(), (String) null));
        for (int i = 0; field != null && i < docs.size(); i++) {
            if (errors[i] == null && skipMissing(docs.get(i), field, i, errors) == false) {
                try {
                    out.set(i, stringValue(docs.get(i), field));
                } catch (IllegalArgumentException e) {
                    errors[i] =
                            new IllegalArgumentException("[" + TYPE + "] field [" + field + "]: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** Writes one encoding's vector (and token block) into the document; returns its error instead, if it has one. */
    private static Exception write(
            IngestDocument doc,
            String field,
            ModelService.IngestEncoding encoding,
            String vectorField,
            String tokensField) {
        if (encoding == null) {
            return null;
        }
        if (encoding.error() != null) {
            return new IllegalArgumentException(
                    "[" + TYPE + "] field [" + field + "]: " + encoding.error().getMessage(), encoding.error());
        }
        doc.setFieldValue(vectorField, toList(encoding.embed()));
        if (tokensField != null) {
            doc.setFieldValue(tokensField, Base64.getEncoder().encodeToString(TokenCodec.encode(encoding.tokens())));
        }
        return null;
    }

    /** True when the field is absent and that is allowed; records an error when it is absent and not allowed. */
    private boolean skipMissing(IngestDocument doc, String field, int i, Exception[] errors) {
        if (doc.hasField(field)) {
            return false;
        }
        if (ignoreMissing == false) {
            errors[i] = new IllegalArgumentException(
                    "[" + TYPE + "] field [" + field + "] is missing (set [ignore_missing] to skip such documents)");
        }
        return true;
    }

    /** The field's value, which must be a string (a null or an object is the document's error, not a crash). */
    private static String stringValue(IngestDocument doc, String field) {
        Object value = doc.getFieldValue(field, Object.class);
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("must be a string, got "
                + (value == null ? "null" : "[" + value.getClass().getSimpleName() + "]"));
    }

    private static List<Float> toList(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    /** Parses the processor's configuration. */
    public static final class Factory extends AbstractBatchingProcessor.Factory {
        private final Supplier<ModelService> models;

        public Factory(Supplier<ModelService> models) {
            super(TYPE);
            this.models = models;
        }

        @Override
        protected AbstractBatchingProcessor newProcessor(
                String tag, String description, int batchSize, Map<String, Object> config) {
            String imageField = ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "image_field");
            String imageVectorField =
                    ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "image_vector_field");
            String textField = ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "text_field");
            String textVectorField =
                    ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "text_vector_field");
            String imageTokensField =
                    ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "image_tokens_field");
            String textTokensField =
                    ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "text_tokens_field");
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            boolean removeImage = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "remove_image", true);
            String model = ConfigurationUtils.readOptionalStringProperty(TYPE, tag, config, "model");
            ModelService service = models.get();
            if (model != null && service != null) {
                try {
                    service.dimension(model); // a name this node does not have is refused when the pipeline is stored
                } catch (IllegalArgumentException e) {
                    throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model", e.getMessage());
                }
            }
            if (imageField == null && textField == null) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "image_field", "one of [image_field] or [text_field] is required");
            }
            if ((imageField == null) != (imageVectorField == null)) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "image_vector_field", "[image_field] and [image_vector_field] go together");
            }
            if ((textField == null) != (textVectorField == null)) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "text_vector_field", "[text_field] and [text_vector_field] go together");
            }
            if (imageTokensField != null && imageField == null) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "image_tokens_field", "needs [image_field]");
            }
            if (textTokensField != null && textField == null) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "text_tokens_field", "needs [text_field]");
            }
            return new RfEncodeProcessor(
                    tag,
                    description,
                    batchSize,
                    models,
                    model,
                    imageField,
                    imageVectorField,
                    textField,
                    textVectorField,
                    imageTokensField,
                    textTokensField,
                    ignoreMissing,
                    removeImage);
        }
    }
}
