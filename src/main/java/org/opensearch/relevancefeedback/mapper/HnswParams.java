package org.opensearch.relevancefeedback.mapper;

import java.util.Map;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.opensearch.index.mapper.MapperParsingException;

/** The per-field HNSW graph parameters of an {@code rf_vector} field: {@code m} and {@code ef_construction}. */
public record HnswParams(int m, int efConstruction) {

    public static final HnswParams DEFAULT =
            new HnswParams(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN, Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH);

    public HnswParams {
        if (m < 2 || m > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
            throw new MapperParsingException(
                    "[hnsw.m] must be in [2, " + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + "], got [" + m + "]");
        }
        if (efConstruction < 1 || efConstruction > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
            throw new MapperParsingException("[hnsw.ef_construction] must be in [1, "
                    + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "], got [" + efConstruction + "]");
        }
    }

    /** Parses the mapping's {@code hnsw} object; unknown keys are an error rather than silently ignored. */
    static HnswParams parse(Object node) {
        if (node instanceof Map<?, ?> == false) {
            throw new MapperParsingException(
                    "[hnsw] must be an object with [m] and [ef_construction], got [" + node + "]");
        }
        Map<?, ?> map = (Map<?, ?>) node;
        int m = DEFAULT.m;
        int ef = DEFAULT.efConstruction;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            switch (key) {
                case "m" -> m = intValue("hnsw.m", e.getValue());
                case "ef_construction" -> ef = intValue("hnsw.ef_construction", e.getValue());
                default ->
                    throw new MapperParsingException(
                            "[hnsw] unknown parameter [" + key + "], expected [m] or [ef_construction]");
            }
        }
        return new HnswParams(m, ef);
    }

    private static int intValue(String name, Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new MapperParsingException("[" + name + "] must be an integer, got [" + value + "]");
    }
}
