package org.opensearch.relevancefeedback.inference;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.opensearch.relevancefeedback.RelevanceFeedbackSettings;

/**
 * Image -> pixel_values exactly as the Python side ({@code tools/data/emoji_data.py}, Pillow) computes them: decode
 * (PNG/JPEG), composite RGBA on white (Pillow's integer alpha_composite), resize the shortest edge to
 * {@code size.shortest_edge} with Pillow's bicubic resampling (same fixed-point arithmetic), center-crop
 * {@code crop_size}, divide by 255, normalize by the mean/std of {@code preprocessor_config.json}.
 */
public final class ImagePreprocessor {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private final int shortestEdge;
    private final int crop;
    private final float[] mean;
    private final float[] std;

    ImagePreprocessor(int shortestEdge, int crop, float[] mean, float[] std) {
        this.shortestEdge = shortestEdge;
        this.crop = crop;
        this.mean = mean;
        this.std = std;
    }

    static ImagePreprocessor fromConfig(Path json) throws IOException {
        JsonObject c = JsonUtils.GSON.fromJson(Files.readString(json), JsonObject.class);
        int resample = c.has("resample") ? c.get("resample").getAsInt() : 3;
        if (resample != 3) {
            throw new IllegalArgumentException(
                    "[" + json + "] resample [" + resample + "]: only bicubic (3) is supported");
        }
        return new ImagePreprocessor(
                c.getAsJsonObject("size").get("shortest_edge").getAsInt(),
                c.getAsJsonObject("crop_size").get("height").getAsInt(),
                floats(c.getAsJsonArray("image_mean")),
                floats(c.getAsJsonArray("image_std")));
    }

    private static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    /** The square side of the model input. */
    public int size() {
        return crop;
    }

    /**
     * What an image may be before any pixel is decoded: at most {@code maxPixels} pixels (width x height, from the
     * header) and at most {@code maxAspectRatio} for the long edge over the short one.
     */
    public record Limits(long maxPixels, int maxAspectRatio) {}

    /**
     * [3, size, size] normalized pixel values of an encoded PNG or JPEG. The header is read first and the image
     * refused (IllegalArgumentException) when it breaks {@code limits}, so a tiny file that declares a huge canvas
     * never allocates it. An image whose short edge is at least 4x the model's is decoded subsampled, to a short edge
     * of 2x to 4x the model's (bicubic then antialiases the rest); smaller ones are decoded whole, which keeps them
     * Pillow-exact. Only the center crop of the resized image is computed, so upscaling a thin image costs crop-sized
     * memory, not a full upscaled copy.
     */
    public float[] pixelValues(byte[] encoded, Limits limits) throws IOException {
        BufferedImage image = decode(encoded, limits);
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = onWhite(image);
        int nw = w;
        int nh = h;
        if (Math.min(w, h) != shortestEdge) {
            double scale = (double) shortestEdge / Math.min(w, h);
            // Python's round() (half to even), as tools/data/emoji_data.py computes the target size
            nw = Math.max(shortestEdge, (int) Math.rint(w * scale));
            nh = Math.max(shortestEdge, (int) Math.rint(h * scale));
        }
        if (nw < crop || nh < crop) {
            throw new IllegalArgumentException(
                    "image is " + nw + "x" + nh + " after resizing, smaller than the " + crop + "x" + crop + " crop");
        }
        int left = (nw - crop) / 2;
        int top = (nh - crop) / 2;
        int[] cropped = nw == w && nh == h
                ? crop(rgb, w, left, top)
                : resizeBicubicWindow(rgb, w, h, nw, nh, left, top, crop, crop);
        float[] out = new float[3 * crop * crop];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    int v = cropped[(y * crop + x) * 3 + c];
                    out[(c * crop + y) * crop + x] = (v / 255.0f - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /** Header checks, then the (possibly subsampled) decode; any decoder failure is an IllegalArgumentException. */
    private BufferedImage decode(byte[] encoded, Limits limits) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = readers.hasNext() ? readers.next() : null;
            if (reader == null
                    || List.of("png", "jpeg").contains(reader.getFormatName().toLowerCase(Locale.ROOT)) == false) {
                throw new IllegalArgumentException("not a decodable PNG or JPEG image");
            }
            try {
                reader.setInput(in, true, true); // one image, metadata ignored: nothing but pixels is read
                int w;
                int h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw undecodable(e);
                }
                checkSize(w, h, limits);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = Math.max(1, Math.min(w, h) / (2 * shortestEdge));
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                try {
                    return reader.read(0, param);
                } catch (IOException | RuntimeException e) {
                    throw undecodable(e);
                }
            } finally {
                reader.dispose();
            }
        }
    }

    private static IllegalArgumentException undecodable(Exception e) {
        return new IllegalArgumentException("not a decodable PNG or JPEG image: " + e.getMessage(), e);
    }

    static void checkSize(int w, int h, Limits limits) {
        long pixels = (long) w * h;
        if (w < 1 || h < 1 || pixels > limits.maxPixels()) {
            throw new IllegalArgumentException("image is " + w + "x" + h + " = " + pixels + " pixels, more than "
                    + limits.maxPixels() + " (setting [" + RelevanceFeedbackSettings.MAX_IMAGE_PIXELS.getKey() + "])");
        }
        if (Math.max(w, h) > (long) Math.min(w, h) * limits.maxAspectRatio()) {
            throw new IllegalArgumentException(
                    "image is " + w + "x" + h + ", an aspect ratio over " + limits.maxAspectRatio() + ":1 (setting ["
                            + RelevanceFeedbackSettings.MAX_IMAGE_ASPECT_RATIO.getKey() + "])");
        }
    }

    private int[] crop(int[] rgb, int w, int left, int top) {
        int[] out = new int[crop * crop * 3];
        for (int y = 0; y < crop; y++) {
            System.arraycopy(rgb, ((top + y) * w + left) * 3, out, y * crop * 3, crop * 3);
        }
        return out;
    }

    /** Interleaved 8-bit RGB of the image composited on opaque white, with Pillow's integer arithmetic. */
    static int[] onWhite(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        // Gray (L / LA) images: Java's gray color space is linear, so getRGB would apply a gamma curve that Pillow's
        // convert("RGBA") does not (it copies L into R, G and B). Read their samples as they are.
        boolean gray = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && image.getColorModel().getComponentSize(0) == 8;
        Raster raster = image.getRaster();
        boolean grayAlpha = gray && raster.getNumBands() == 2;
        int[] out = new int[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a;
                int[] rgb = new int[3];
                if (gray) {
                    int l = raster.getSample(x, y, 0);
                    a = grayAlpha ? raster.getSample(x, y, 1) : 255;
                    rgb[0] = rgb[1] = rgb[2] = l;
                } else {
                    int argb = image.getRGB(x, y);
                    a = argb >>> 24;
                    rgb[0] = (argb >> 16) & 0xff;
                    rgb[1] = (argb >> 8) & 0xff;
                    rgb[2] = argb & 0xff;
                }
                for (int c = 0; c < 3; c++) {
                    out[(y * w + x) * 3 + c] = a == 0 ? 255 : blendOnWhite(rgb[c], a);
                }
            }
        }
        return out;
    }

    /** Pillow's ImagingAlphaComposite for an opaque white destination (7 bits of extra precision). */
    private static int blendOnWhite(int src, int alpha) {
        long outa255 = alpha * 255L + 255L * (255 - alpha);
        long coef1 = alpha * 255L * 255L * (1 << 7) / outa255;
        long coef2 = 255L * (1 << 7) - coef1;
        long tmp = src * coef1 + 255L * coef2 + (0x80L << 7);
        return (int) ((((tmp >> 8) + tmp) >> 8) >> 7);
    }

    /**
     * Pillow's bicubic resampling (a = -0.5) of a w x h image to nw x nh, horizontal pass then vertical with 8-bit
     * fixed point in between, computed only for the cw x ch window at (left, top): each output pixel depends on its
     * own coefficients alone, so the window equals Pillow's full resize cropped.
     */
    static int[] resizeBicubicWindow(int[] rgb, int w, int h, int nw, int nh, int left, int top, int cw, int ch) {
        Coefficients cx = Coefficients.of(w, nw);
        Coefficients cy = Coefficients.of(h, nh);
        int rowFrom = cy.first[top];
        int rowTo = cy.first[top + ch - 1] + cy.count[top + ch - 1];
        int[] horizontal = new int[cw * (rowTo - rowFrom) * 3];
        for (int y = rowFrom; y < rowTo; y++) {
            for (int x = 0; x < cw; x++) {
                int xx = left + x;
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < cx.count[xx]; i++) {
                        ss += rgb[(y * w + cx.first[xx] + i) * 3 + c] * cx.k[xx * cx.ksize + i];
                    }
                    horizontal[((y - rowFrom) * cw + x) * 3 + c] = clip8(ss);
                }
            }
        }
        int[] out = new int[cw * ch * 3];
        for (int y = 0; y < ch; y++) {
            int yy = top + y;
            for (int x = 0; x < cw; x++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < cy.count[yy]; i++) {
                        ss += horizontal[((cy.first[yy] + i - rowFrom) * cw + x) * 3 + c] * cy.k[yy * cy.ksize + i];
                    }
                    out[(y * cw + x) * 3 + c] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        return in <= 0 ? 0 : in >> PRECISION_BITS;
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
    private record Coefficients(int ksize, int[] first, int[] count, int[] k) {
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = 2.0 * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[] k = new int[outSize * ksize];
            double[] w = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterscale;
                int xmin = Math.max(0, (int) (center - support + 0.5));
                int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
                double ww = 0;
                for (int x = 0; x < xmax; x++) {
                    w[x] = bicubic((x + xmin - center + 0.5) * ss);
                    ww += w[x];
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0 ? w[x] / ww : w[x];
                    k[xx * ksize + x] =
                            v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                first[xx] = xmin;
                count[xx] = xmax;
            }
            return new Coefficients(ksize, first, count, k);
        }

        private static double bicubic(double x) {
            double a = -0.5;
            x = Math.abs(x);
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
    }
}
