package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.MMapDirectory;
import org.opensearch.common.util.io.IOUtils;
import org.opensearch.relevancefeedback.TestVectors;

/**
 * Benchmark (not a test): the plugin's shard-level kNN query ({@link TopKnnQuery}: HNSW with num_candidates,
 * keep top k) against a raw Lucene {@link KnnFloatVectorQuery} with the same candidate count, on the same
 * single segment, queries interleaved so both see the same caches. Prints p50/p99, throughput and the ratio.
 *
 * <p>Run: {@code scripts/bench.sh} (sizes as arguments, default 10000 100000).
 */
public final class KnnQueryBench {

    private static final int DIMS = 512;
    private static final int K = 10;
    private static final int CANDIDATES = 100;
    private static final int WARMUP = 300;
    private static final int QUERIES = 2000;

    public static void main(String[] args) throws IOException {
        int[] sizes = args.length == 0
                ? new int[] {10_000, 100_000}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf(
                Locale.ROOT,
                "%s, %d cores, %s%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                "k=10 num_candidates=100 dims=512 cosine m=16 ef_construction=100, 1 segment");
        System.out.printf(Locale.ROOT, "%-8s %-22s %10s %10s %10s%n", "vectors", "query", "p50 us", "p99 us", "qps");
        for (int n : sizes) {
            run(n);
        }
    }

    private static void run(int n) throws IOException {
        Random random = new Random(42);
        Path dir = Files.createTempDirectory("knn-bench");
        try (MMapDirectory directory = new MMapDirectory(dir)) {
            IndexWriterConfig config = new IndexWriterConfig()
                    .setRAMBufferSizeMB(2048)
                    .setCodec(new FilterCodec(Codec.getDefault().getName(), Codec.getDefault()) {
                        // the default codec of whichever Lucene the build uses (3.5.0: 10.3, 3.6.0: 10.4), vectors in
                        // HNSW m 16 /
                        // ef 100 written per field, so that the segments read back with the default codec itself
                        @Override
                        public KnnVectorsFormat knnVectorsFormat() {
                            return new PerFieldKnnVectorsFormat() {
                                @Override
                                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                                    return new Lucene99HnswVectorsFormat(16, 100);
                                }
                            };
                        }
                    });
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                for (int i = 0; i < n; i++) {
                    Document doc = new Document();
                    doc.add(new KnnFloatVectorField(
                            "v", TestVectors.gaussian(random, DIMS), VectorSimilarityFunction.COSINE));
                    writer.addDocument(doc);
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                float[][] queries = new float[WARMUP + QUERIES][];
                for (int i = 0; i < queries.length; i++) {
                    queries[i] = TestVectors.gaussian(random, DIMS);
                }
                long[] raw = new long[QUERIES];
                long[] plugin = new long[QUERIES];
                for (int i = 0; i < queries.length; i++) {
                    Query rawQuery = new KnnFloatVectorQuery("v", queries[i], CANDIDATES);
                    Query pluginQuery = new TopKnnQuery(new KnnFloatVectorQuery("v", queries[i], CANDIDATES), K);
                    // alternate which runs first so neither always gets the warmer cache
                    boolean rawFirst = (i & 1) == 0;
                    long a = time(searcher, rawFirst ? rawQuery : pluginQuery);
                    long b = time(searcher, rawFirst ? pluginQuery : rawQuery);
                    if (i >= WARMUP) {
                        raw[i - WARMUP] = rawFirst ? a : b;
                        plugin[i - WARMUP] = rawFirst ? b : a;
                    }
                }
                print(n, "lucene KnnFloatVector", raw);
                print(n, "plugin TopKnnQuery", plugin);
                System.out.printf(
                        Locale.ROOT,
                        "%-8d ratio plugin/lucene   p50 %.3f  p99 %.3f%n",
                        n,
                        pct(plugin, 50) / pct(raw, 50),
                        pct(plugin, 99) / pct(raw, 99));
            }
        } finally {
            IOUtils.rm(dir);
        }
    }

    private static long time(IndexSearcher searcher, Query query) throws IOException {
        long start = System.nanoTime();
        if (searcher.search(query, K).scoreDocs.length != K) {
            throw new IllegalStateException("expected " + K + " hits");
        }
        return System.nanoTime() - start;
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1000.0;
    }

    private static void print(int n, String name, long[] nanos) {
        double totalSeconds = Arrays.stream(nanos).sum() / 1e9;
        System.out.printf(
                Locale.ROOT,
                "%-8d %-22s %10.1f %10.1f %10.0f%n",
                n,
                name,
                pct(nanos, 50),
                pct(nanos, 99),
                nanos.length / totalSeconds);
    }
}
