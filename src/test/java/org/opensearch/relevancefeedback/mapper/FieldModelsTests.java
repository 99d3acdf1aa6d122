package org.opensearch.relevancefeedback.mapper;

import java.util.Map;
import org.opensearch.test.OpenSearchTestCase;

public class FieldModelsTests extends OpenSearchTestCase {

    /** Bound rf_vector fields by full path, in objects and nested objects; unbound and other fields are left out. */
    public void testBoundFieldsOfAMapping() {
        Map<String, Object> mapping = Map.of(
                "properties",
                Map.of(
                        "image",
                        Map.of("type", "rf_vector", "dimension", 512, "model", "clip-b32"),
                        "caption",
                        Map.of("type", "rf_vector", "dimension", 256),
                        "title",
                        Map.of("type", "text", "model", "not a vector field"),
                        "photo",
                        Map.of(
                                "properties",
                                Map.of("embedding", Map.of("type", "rf_vector", "dimension", 32, "model", "tiny"))),
                        "parts",
                        Map.of(
                                "type",
                                "nested",
                                "properties",
                                Map.of("vec", Map.of("type", "rf_vector", "dimension", 32, "model", "tiny")))));
        assertEquals(
                Map.of("image", "clip-b32", "photo.embedding", "tiny", "parts.vec", "tiny"),
                FieldModels.boundFields(mapping));
        assertEquals(Map.of(), FieldModels.boundFields(Map.of()));
    }
}
