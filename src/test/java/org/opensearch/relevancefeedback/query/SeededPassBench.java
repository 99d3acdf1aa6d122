package org.opensearch.relevancefeedback.query;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
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
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.SeededKnnVectorQuery;
import org.apache.lucene.store.MMapDirectory;
import org.opensearch.common.util.io.IOUtils;
import org.opensearch.relevancefeedback.TestVectors;
import org.opensearch.relevancefeedback.feedback.Rocchio;

/**
 * Benchmark (not a test) of a PRF round's second kNN pass as {@link ShardFeedbackQuery} runs it: after a first pass
 * for q (HNSW, num_candidates 100), q' from extended Rocchio over its top 5, then the pass for q' either from the top
 * of the graph (unseeded, as before 2026-12-03) or seeded with the first pass's candidates (what the shard query does
 * now). Both run for every query, alternating which goes first. Prints p50 / p99 / throughput of each, their ratio,
 * and each one's recall@10 against the exact top 10 for q'. Data as scripts/bench_feedback.sh indexes it: real emoji
 * image embeddings (the test resource) plus noise of norm 0.5, 256-d, in several segments as an unmerged index has;
 * queries drawn the same way.
 *
 * <p>Run: {@code scripts/bench.sh seeded [vectors] [segments]} (default 200000 4).
 */
public final class SeededPassBench {

    private static final int DIMS = 256;
    private static final int CANDIDATES = 100;
    private static final int TOP_K = 5;
    private static final int K = 10;
    private static final int WARMUP = 200;
    private static final int QUERIES = 2000;

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int segments = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Random random = new Random(42);
        float[][] centres = emojiEmbeddings();
        float[][] vectors = new float[n][];
        for (int i = 0; i < n; i++) {
            vectors[i] = near(centres[random.nextInt(centres.length)], random);
        }
        Path dir = Files.createTempDirectory("seeded-bench");
        try (MMapDirectory directory = new MMapDirectory(dir)) {
            IndexWriterConfig config = new IndexWriterConfig()
                    .setRAMBufferSizeMB(4096)
                    .setMergePolicy(NoMergePolicy.INSTANCE) // keep the segments flushed below
                    .setCodec(new FilterCodec(Codec.getDefault().getName(), Codec.getDefault()) {
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
            long start = System.nanoTime();
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                for (int i = 0; i < n; i++) {
                    Document doc = new Document();
                    doc.add(new KnnFloatVectorField("v", vectors[i], VectorSimilarityFunction.DOT_PRODUCT));
                    writer.addDocument(doc);
                    if ((i + 1) % Math.max(1, n / segments) == 0) {
                        writer.flush();
                    }
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                System.out.printf(
                        Locale.ROOT,
                        "%s, %d cores; %d vectors x %d, %d segments (built in %.0f s), m 16, ef_construction 100, "
                                + "num_candidates %d, PRF top %d, %d queries after %d warm-up%n",
                        Runtime.version(),
                        Runtime.getRuntime().availableProcessors(),
                        n,
                        DIMS,
                        reader.leaves().size(),
                        (System.nanoTime() - start) / 1e9,
                        CANDIDATES,
                        TOP_K,
                        QUERIES,
                        WARMUP);
                run(new IndexSearcher(reader), vectors, centres, random);
            }
        } finally {
            IOUtils.rm(dir);
        }
    }

    /** Seed counts compared: the first pass's top 5 (the feedback hits), 10, 20 and all its candidates. */
    private static final int[] SEEDS = {0, 5, 10, 20, CANDIDATES};

    private static void run(IndexSearcher searcher, float[][] vectors, float[][] centres, Random random)
            throws IOException {
        long[][] nanos = new long[SEEDS.length][QUERIES / SEEDS.length];
        double[] recall = new double[SEEDS.length];
        for (int i = 0; i < WARMUP + QUERIES; i++) {
            float[] q = near(centres[random.nextInt(centres.length)], random);
            List<TopKnnQuery.Hit> first =
                    TopKnnQuery.best(searcher, new KnnFloatVectorQuery("v", q, CANDIDATES), Integer.MAX_VALUE);
            float[][] top = new float[TOP_K][];
            for (int j = 0; j < TOP_K; j++) {
                top[j] = vectors[first.get(j).doc()];
            }
            float[] refined = Rocchio.refine(Rocchio.Variant.EXTENDED, q, top, top, Rocchio.Params.DEFAULTS)
                    .vector();
            // One variant per query, in turn: each second pass follows only the first pass, as in the shard, so no
            // variant runs on caches another one warmed.
            int v = i % SEEDS.length;
            KnnFloatVectorQuery graph = new KnnFloatVectorQuery("v", refined, CANDIDATES);
            Query query = SEEDS[v] == 0
                    ? graph
                    : SeededKnnVectorQuery.fromFloatQuery(
                            graph,
                            TopKnnQuery.frozen(searcher, first.subList(0, Math.min(SEEDS[v], first.size())), "seed"));
            Timed t = timed(searcher, query);
            if (i >= WARMUP) {
                int at = (i - WARMUP) / SEEDS.length;
                nanos[v][at] = t.nanos;
                recall[v] += overlap(t.hits, exactTop(vectors, refined)) / (double) K;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%-34s %10s %10s %8s %10s %12s%n",
                "second pass",
                "p50 us",
                "p99 us",
                "qps",
                "recall@10",
                "p50 / top");
        for (int v = 0; v < SEEDS.length; v++) {
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %10.1f %10.1f %8.0f %10.4f %12.3f%n",
                    SEEDS[v] == 0 ? "from the top of the graph" : "seeded with the first pass's " + SEEDS[v],
                    pct(nanos[v], 50),
                    pct(nanos[v], 99),
                    nanos[v].length / (Arrays.stream(nanos[v]).sum() / 1e9),
                    recall[v] / nanos[v].length,
                    pct(nanos[v], 50) / pct(nanos[0], 50));
        }
    }

    private record Timed(long nanos, List<TopKnnQuery.Hit> hits) {}

    private static Timed timed(IndexSearcher searcher, Query query) throws IOException {
        long start = System.nanoTime();
        List<TopKnnQuery.Hit> hits = TopKnnQuery.best(searcher, query, K);
        return new Timed(System.nanoTime() - start, hits);
    }

    private static int overlap(List<TopKnnQuery.Hit> hits, Set<Integer> exact) {
        return (int) hits.stream().filter(h -> exact.contains(h.doc())).count();
    }

    private static Set<Integer> exactTop(float[][] vectors, float[] q) {
        PriorityQueue<TopKnnQuery.Hit> best = new PriorityQueue<>(Comparator.comparingDouble(TopKnnQuery.Hit::score));
        for (int i = 0; i < vectors.length; i++) {
            float dot = 0;
            for (int d = 0; d < DIMS; d++) {
                dot += vectors[i][d] * q[d];
            }
            if (best.size() < K) {
                best.add(new TopKnnQuery.Hit(i, dot));
            } else if (dot > best.peek().score()) {
                best.poll();
                best.add(new TopKnnQuery.Hit(i, dot));
            }
        }
        Set<Integer> docs = new HashSet<>();
        best.forEach(h -> docs.add(h.doc()));
        return docs;
    }

    /** The emoji test split's image embeddings (256-d float32, little-endian), the centres of the data. */
    private static float[][] emojiEmbeddings() throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Path.of("src/test/resources/emoji/images.f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[bytes.remaining() / 4 / DIMS][DIMS];
        for (float[] row : out) {
            bytes.asFloatBuffer().get(row);
            bytes.position(bytes.position() + 4 * DIMS);
        }
        return out;
    }

    private static float[] near(float[] centre, Random random) {
        float[] noise = unit(TestVectors.gaussian(random, DIMS));
        float[] v = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            v[i] = centre[i] + 0.5f * noise[i];
        }
        return unit(v);
    }

    private static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        return v;
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1000.0;
    }
}
