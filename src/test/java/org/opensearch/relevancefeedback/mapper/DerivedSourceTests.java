package org.opensearch.relevancefeedback.mapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DocumentStoredFieldVisitor;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.util.BytesRef;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.CodecService;
import org.opensearch.index.codec.CodecServiceConfig;
import org.opensearch.index.fieldvisitor.FieldsVisitor;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperServiceTestCase;
import org.opensearch.index.mapper.ParsedDocument;
import org.opensearch.index.mapper.SourceToParse;
import org.opensearch.index.mapper.Uid;
import org.opensearch.plugins.Plugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;
import org.opensearch.relevancefeedback.inference.TokenCodec;
import org.opensearch.test.IndexSettingsModule;

/**
 * Derived source at the Lucene level, with documents parsed by the real mappers: the stored source holds markers, every
 * read (near-real-time, from disk through the SPI codec, after a merge) gets the values back, and what cannot be derived
 * (a nested object's vector) stays stored.
 */
public class DerivedSourceTests extends MapperServiceTestCase {

    private static final String MAPPING = """
        {"_doc":{"properties":{
          "title":{"type":"keyword"},
          "v":{"type":"rf_vector","dimension":4,"similarity":"dot_product"},
          "t":{"type":"rf_tokens"},
          "obj":{"properties":{"v":{"type":"rf_vector","dimension":4}}},
          "nest":{"type":"nested","properties":{"v":{"type":"rf_vector","dimension":4}}}}}}""";

    private static final String TOKENS =
            Base64.getEncoder().encodeToString(TokenCodec.encode(new float[][] {{0.5f, -1f}, {0.25f, 2f}}));

    /** Sources as users send them: nested objects and a dotted key, doubles that float32 cannot hold exactly. */
    private static final List<String> DOCS = List.of(
            "{\"title\":\"a\",\"v\":[0.1,0.2,0.3,0.4],\"t\":\"" + TOKENS + "\",\"obj\":{\"v\":[1,2,3,4]}}",
            "{\"title\":\"b\",\"obj.v\":[0.5,0.25,0.125,1.0000001]}",
            "{\"title\":\"c\"}",
            "{\"title\":\"d\",\"nest\":[{\"v\":[1,0,0,0]}],\"v\":[0.7,0.1,0.1,0.1]}");

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new RelevanceFeedbackPlugin());
    }

    public void testValuesComeBackFromTheIndexEverywhereTheSourceIsRead() throws IOException {
        MapperService mapper = createMapperService("_doc", MAPPING);
        try (Directory dir = new ByteBuffersDirectory()) {
            try (IndexWriter writer = new IndexWriter(
                    dir, new IndexWriterConfig().setCodec(new RfVectorCodec(Codec.getDefault(), mapper, true)))) {
                for (int i = 0; i < DOCS.size(); i++) {
                    writer.addDocuments(parse(mapper, i).docs());
                    if (i == 1) {
                        writer.commit(); // two segments, so that the merge below has something to merge
                    }
                }
                try (DirectoryReader nrt = DirectoryReader.open(writer)) {
                    assertSourcesAsSent(nrt);
                }
            }
            assertStoredMasked(dir, 2);
            try (DirectoryReader fromDisk = DirectoryReader.open(dir)) { // the codec by name, through Lucene's SPI
                assertEquals(
                        RfDerivedSourceCodec.NAME,
                        SegmentInfos.readLatestCommit(dir)
                                .info(0)
                                .info
                                .getCodec()
                                .getName());
                assertSourcesAsSent(fromDisk);
                assertOnlyFilteredFieldsComeBack(fromDisk);
            }
            try (IndexWriter writer = new IndexWriter(
                    dir, new IndexWriterConfig().setCodec(new RfVectorCodec(Codec.getDefault(), mapper, true)))) {
                writer.forceMerge(1);
            }
            assertStoredMasked(dir, 1);
            try (DirectoryReader merged = DirectoryReader.open(dir)) {
                assertSourcesAsSent(merged);
            }
        }
    }

    public void testWithoutDerivedSourceTheSourceIsStoredAsSentInPlainLucene() throws IOException {
        MapperService mapper = createMapperService("_doc", MAPPING);
        try (Directory dir = new ByteBuffersDirectory()) {
            try (IndexWriter writer = new IndexWriter(
                    dir, new IndexWriterConfig().setCodec(new RfVectorCodec(Codec.getDefault(), mapper, false)))) {
                writer.addDocuments(parse(mapper, 0).docs());
            }
            assertEquals(
                    Codec.getDefault().getName(),
                    SegmentInfos.readLatestCommit(dir).info(0).info.getCodec().getName());
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(map(DOCS.get(0)), source(reader.storedFields(), 0));
            }
        }
    }

    /** Only an index that maps an rf field writes segments that need this plugin to be read; the setting turns it off. */
    public void testOnlyIndicesWithRfFieldsNeedThePlugin() throws IOException {
        MapperService withFields = createMapperService("_doc", MAPPING);
        MapperService without =
                createMapperService("_doc", "{\"_doc\":{\"properties\":{\"title\":{\"type\":\"keyword\"}}}}");
        Settings off = Settings.builder()
                .put(RelevanceFeedbackSettings.DERIVED_SOURCE.getKey(), false)
                .build();
        assertEquals(RfDerivedSourceCodec.NAME, codecName(withFields, Settings.EMPTY));
        assertNotEquals(RfDerivedSourceCodec.NAME, codecName(without, Settings.EMPTY));
        assertNotEquals(RfDerivedSourceCodec.NAME, codecName(withFields, off));
    }

    private static String codecName(MapperService mapper, Settings settings) {
        IndexSettings index = IndexSettingsModule.newIndexSettings("test", settings);
        CodecService service = RfCodecService.factoryFor(index)
                .orElseThrow()
                .createCodecService(new CodecServiceConfig(index, mapper, LogManager.getLogger(), List.of()));
        return service.codec("default").getName();
    }

    private static ParsedDocument parse(MapperService mapper, int i) {
        return mapper.documentMapper()
                .parse(new SourceToParse(
                        "test", Integer.toString(i), new BytesArray(DOCS.get(i)), MediaTypeRegistry.JSON));
    }

    /** Each document reads back as sent, with the vectors as float32 (what the field indexed) and the tokens exact. */
    private static void assertSourcesAsSent(DirectoryReader reader) throws IOException {
        IndexSearcher searcher = new IndexSearcher(reader);
        for (int i = 0; i < DOCS.size(); i++) {
            // nested documents carry their root's _id too; the root, which holds the source, is indexed last
            int doc = Arrays.stream(searcher.search(
                                    new TermQuery(new Term("_id", Uid.encodeId(Integer.toString(i)))), 10)
                            .scoreDocs)
                    .mapToInt(hit -> hit.doc)
                    .max()
                    .orElseThrow();
            assertEquals("doc " + i, asFloats(map(DOCS.get(i))), asFloats(source(reader.storedFields(), doc)));
        }
    }

    /** A source filter (as a search's "_source": [...] sets it) gets only the values it keeps put back. */
    private static void assertOnlyFilteredFieldsComeBack(DirectoryReader reader) throws IOException {
        IndexSearcher searcher = new IndexSearcher(reader);
        int doc = searcher.search(new TermQuery(new Term("_id", Uid.encodeId("0"))), 1).scoreDocs[0].doc;
        Map<String, Object> titleOnly = filtered(reader, doc, new String[] {"title"}, null);
        assertEquals("not put back: the filter drops it", 1, titleOnly.get("v"));
        Map<String, Object> objOnly = filtered(reader, doc, new String[] {"obj"}, null);
        assertEquals(1, objOnly.get("t"));
        assertEquals(asFloats(List.of(1, 2, 3, 4)), asFloats(((Map<?, ?>) objOnly.get("obj")).get("v")));
        Map<String, Object> allButTokens = filtered(reader, doc, null, new String[] {"t"});
        assertEquals(1, allButTokens.get("t"));
        assertEquals(asFloats(List.of(0.1, 0.2, 0.3, 0.4)), asFloats(allButTokens.get("v")));
    }

    private static Map<String, Object> filtered(DirectoryReader reader, int doc, String[] includes, String[] excludes)
            throws IOException {
        FieldsVisitor visitor = new FieldsVisitor(true, includes, excludes);
        reader.storedFields().document(doc, visitor);
        return XContentHelper.convertToMap(visitor.source(), true, MediaTypeRegistry.JSON)
                .v2();
    }

    /** The stored sources as a plain Lucene reader sees them: markers in place of every derived value. */
    private static void assertStoredMasked(Directory dir, int segments) throws IOException {
        SegmentInfos infos = SegmentInfos.readLatestCommit(dir);
        assertEquals(segments, infos.size());
        List<Map<String, Object>> stored = new ArrayList<>();
        for (SegmentCommitInfo info : infos) {
            assertEquals("VECTOR", info.info.getAttribute(DerivedSourceStoredFieldsFormat.ATTRIBUTE_PREFIX + "v"));
            Codec plainCodec = Codec.getDefault();
            Directory files = info.info.getUseCompoundFile()
                    ? plainCodec.compoundFormat().getCompoundReader(dir, info.info)
                    : dir;
            try (StoredFieldsReader plain = plainCodec
                    .storedFieldsFormat()
                    .fieldsReader(
                            files,
                            info.info,
                            plainCodec.fieldInfosFormat().read(files, info.info, "", IOContext.DEFAULT),
                            IOContext.DEFAULT)) {
                for (int doc = 0; doc < info.info.maxDoc(); doc++) {
                    Map<String, Object> source = source(plain, doc);
                    if (source != null) {
                        stored.add(source);
                    }
                }
            } finally {
                if (files != dir) {
                    files.close();
                }
            }
        }
        stored.sort((a, b) -> ((String) a.get("title")).compareTo((String) b.get("title")));
        assertEquals(1, stored.get(0).get("v"));
        assertEquals(1, stored.get(0).get("t"));
        assertEquals(Map.of("v", 1), stored.get(0).get("obj"));
        assertEquals(1, stored.get(1).get("obj.v"));
        assertEquals(map(DOCS.get(2)), stored.get(2));
        assertEquals(1, stored.get(3).get("v"));
        assertEquals(
                "a nested object's vector stays stored",
                List.of(Map.of("v", List.of(1, 0, 0, 0))),
                stored.get(3).get("nest"));
    }

    private static Map<String, Object> source(StoredFields fields, int doc) throws IOException {
        DocumentStoredFieldVisitor visitor = new DocumentStoredFieldVisitor("_source");
        fields.document(doc, visitor);
        Document d = visitor.getDocument();
        BytesRef bytes = d.getBinaryValue("_source");
        return bytes == null
                ? null
                : XContentHelper.convertToMap(new BytesArray(bytes), true, MediaTypeRegistry.JSON)
                        .v2();
    }

    private static Map<String, Object> map(String json) {
        return XContentHelper.convertToMap(new BytesArray(json), true, MediaTypeRegistry.JSON)
                .v2();
    }

    /** Numbers as float32, so that a sent double and the indexed float compare equal. */
    private static Object asFloats(Object value) {
        if (value instanceof Number n) {
            return n.floatValue();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(DerivedSourceTests::asFloats).toList();
        }
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, asFloats(v)));
            return out;
        }
        return value;
    }
}
