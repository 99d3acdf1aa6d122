package org.opensearch.relevancefeedback.inference;

import java.util.Locale;

/**
 * Where inference runs. {@code auto}: the CUDA execution provider when a GPU is visible AND the ONNX Runtime
 * build has the CUDA provider (the {@code gpu} Maven profile), else the CPU; {@code cuda} insists on the GPU and
 * fails the model load otherwise; {@code cpu} never touches it. Pure logic, so the fallback is testable on CPU.
 */
public record DeviceChoice(boolean gpu, String reason) {

    public static DeviceChoice select(String requested, int gpuCount, boolean cudaProvider) {
        String r = requested.toLowerCase(Locale.ROOT);
        boolean available = gpuCount > 0 && cudaProvider;
        String why = "gpus visible: " + gpuCount + ", CUDA provider in this ONNX Runtime build: " + cudaProvider;
        return switch (r) {
            case "cpu" -> new DeviceChoice(false, "cpu requested");
            case "auto" -> new DeviceChoice(available, "auto (" + why + ")");
            case "cuda" -> {
                if (available == false) {
                    throw new IllegalArgumentException(
                            "device [cuda] requested but not usable (" + why + "); use [auto] or [cpu]");
                }
                yield new DeviceChoice(true, "cuda requested");
            }
            default ->
                throw new IllegalArgumentException("device must be one of [auto, cpu, cuda], got [" + requested + "]");
        };
    }

    public String label() {
        return gpu ? "cuda:0" : "cpu";
    }
}
