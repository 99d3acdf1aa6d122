package org.opensearch.relevancefeedback.mapper;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.cluster.metadata.Metadata;

/**
 * Which model each {@code rf_vector} field is bound to ({@code "model"} in its mapping), read on the coordinating node
 * from the mappings in the cluster state: that node may hold no shard of the searched indices, yet it encodes the query.
 * Parsed once per mapping (a changed mapping is a new {@link MappingMetadata}; the weak keys let old ones go).
 */
public final class FieldModels {

    private final Map<MappingMetadata, Map<String, String>> parsed = Collections.synchronizedMap(new WeakHashMap<>());

    /** Index name -> the model it binds {@code field} to, for the indices that bind it (sorted by index name). */
    public Map<String, String> bindings(Metadata metadata, String[] indices, String field) {
        Map<String, String> out = new TreeMap<>();
        for (String index : indices) {
            IndexMetadata im = metadata.index(index);
            MappingMetadata mapping = im == null ? null : im.mapping();
            if (mapping != null) {
                String model = parsed.computeIfAbsent(mapping, m -> boundFields(m.sourceAsMap()))
                        .get(field);
                if (model != null) {
                    out.put(index, model);
                }
            }
        }
        return out;
    }

    /** Full field path -> model, for every rf_vector field of a mapping that names one (objects and nested included). */
    static Map<String, String> boundFields(Map<String, Object> mapping) {
        Map<String, String> out = new HashMap<>();
        walk(mapping, "", out);
        return out;
    }

    private static void walk(Map<?, ?> node, String prefix, Map<String, String> out) {
        if (node.get("properties") instanceof Map<?, ?> properties) {
            for (Map.Entry<?, ?> e : properties.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> field) {
                    String path = prefix + e.getKey();
                    if (RfVectorFieldMapper.CONTENT_TYPE.equals(field.get("type"))
                            && field.get("model") instanceof String model) {
                        out.put(path, model);
                    }
                    walk(field, path + ".", out);
                }
            }
        }
    }
}
