package org.opensearch.relevancefeedback;

import org.opensearch.common.settings.Setting;

import java.util.List;

/** Index-scoped limits of the plugin's queries; dynamic, so they can be raised per index without a restart. */
public final class RelevanceFeedbackSettings {

    public static final Setting<Integer> MAX_K = Setting.intSetting(
        "index.relevance_feedback.max_k",
        1000,
        1,
        10_000,
        Setting.Property.IndexScope,
        Setting.Property.Dynamic
    );

    public static final Setting<Integer> MAX_NUM_CANDIDATES = Setting.intSetting(
        "index.relevance_feedback.max_num_candidates",
        10_000,
        1,
        100_000,
        Setting.Property.IndexScope,
        Setting.Property.Dynamic
    );

    public static List<Setting<?>> all() {
        return List.of(MAX_K, MAX_NUM_CANDIDATES);
    }

    private RelevanceFeedbackSettings() {}
}
