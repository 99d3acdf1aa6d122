package org.opensearch.relevancefeedback.rest;

import java.util.List;
import org.opensearch.common.settings.Settings;
import org.opensearch.relevancefeedback.RelevanceFeedbackPlugin;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings.FeedbackLimits;
import org.opensearch.rest.RestHandler;
import org.opensearch.test.OpenSearchTestCase;

public class RestUiActionTests extends OpenSearchTestCase {

    private static List<RestHandler> handlers(Settings settings) {
        return new RelevanceFeedbackPlugin().getRestHandlers(settings, null, null, null, null, null, null);
    }

    public void testTheUiIsOnByDefaultAndANodeSettingTurnsItOff() {
        assertTrue(handlers(Settings.EMPTY).stream().anyMatch(h -> h instanceof RestUiAction));
        Settings off = Settings.builder()
                .put("plugins.relevance_feedback.ui.enabled", false)
                .build();
        assertTrue(handlers(off).stream().noneMatch(h -> h instanceof RestUiAction));
        assertTrue(
                "the API stays", handlers(off).stream().anyMatch(h -> h instanceof RestRelevanceFeedbackSearchAction));
    }

    public void testThePagesAreInTheJarAndTheirRoutesAreFixed() {
        RestUiAction ui = new RestUiAction();
        assertEquals(2, ui.routes().size());
        assertTrue(RestUiAction.CSP.contains("script-src 'self'"));
        assertFalse("no inline scripts", RestUiAction.CSP.contains("unsafe-inline"));
    }

    public void testTokenizeTextsAreCheckedAgainstTheLimits() {
        assertEquals(List.of("a", "b"), RestTokenizeAction.texts(List.of("a", "b"), FeedbackLimits.DEFAULTS));
        assertEquals(List.of("dog"), RestTokenizeAction.texts("dog", FeedbackLimits.DEFAULTS));
        expectThrows(IllegalArgumentException.class, () -> RestTokenizeAction.texts(null, FeedbackLimits.DEFAULTS));
        expectThrows(
                IllegalArgumentException.class, () -> RestTokenizeAction.texts(List.of(3), FeedbackLimits.DEFAULTS));
        IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> RestTokenizeAction.texts("x".repeat(2001), FeedbackLimits.DEFAULTS));
        assertTrue(e.getMessage(), e.getMessage().contains("plugins.relevance_feedback.max_text_chars"));
    }
}
