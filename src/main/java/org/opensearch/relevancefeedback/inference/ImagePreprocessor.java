package org.opensearch.relevancefeedback.inference;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Image -> pixel_values exactly as the Python side ({@code tools/emoji_data.py}, Pillow) computes them: decode
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
            throw new IllegalArgumentException("[" + json + "] resample [" + resample + "]: only bicubic (3) is supported");
        }
        return new ImagePreprocessor(
            c.getAsJsonObject("size").get("shortest_edge").getAsInt(),
            c.getAsJsonObject("crop_size").get("height").getAsInt(),
            floats(c.getAsJsonArray("image_mean")),
            floats(c.getAsJsonArray("image_std"))
        );
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

    /** [3, size, size] normalized pixel values of an encoded image; undecodable bytes are an IllegalArgumentException. */
    public float[] pixelValues(byte[] encoded) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
        if (image == null) {
            throw new IllegalArgumentException("not a decodable PNG or JPEG image");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = onWhite(image);
        if (Math.min(w, h) != shortestEdge) {
            double scale = (double) shortestEdge / Math.min(w, h);
            // Python's round() (half to even), as tools/emoji_data.py computes the target size
            int nw = Math.max(shortestEdge, (int) Math.rint(w * scale));
            int nh = Math.max(shortestEdge, (int) Math.rint(h * scale));
            rgb = resizeBicubic(rgb, w, h, nw, nh);
            w = nw;
            h = nh;
        }
        if (w < crop || h < crop) {
            throw new IllegalArgumentException("image is " + w + "x" + h + " after resizing, smaller than the " + crop + "x" + crop + " crop");
        }
        int left = (w - crop) / 2;
        int top = (h - crop) / 2;
        float[] out = new float[3 * crop * crop];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    int v = rgb[((top + y) * w + left + x) * 3 + c];
                    out[(c * crop + y) * crop + x] = (v / 255.0f - mean[c]) / std[c];
                }
            }
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

    /** Pillow's bicubic resampling (a = -0.5), horizontal pass then vertical, 8-bit fixed point in between. */
    static int[] resizeBicubic(int[] rgb, int w, int h, int nw, int nh) {
        int[] horizontal = new int[nw * h * 3];
        Coefficients cx = Coefficients.of(w, nw);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < nw; x++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < cx.count[x]; i++) {
                        ss += rgb[(y * w + cx.first[x] + i) * 3 + c] * cx.k[x * cx.ksize + i];
                    }
                    horizontal[(y * nw + x) * 3 + c] = clip8(ss);
                }
            }
        }
        int[] out = new int[nw * nh * 3];
        Coefficients cy = Coefficients.of(h, nh);
        for (int y = 0; y < nh; y++) {
            for (int x = 0; x < nw; x++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < cy.count[y]; i++) {
                        ss += horizontal[((cy.first[y] + i) * nw + x) * 3 + c] * cy.k[y * cy.ksize + i];
                    }
                    out[(y * nw + x) * 3 + c] = clip8(ss);
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
                    k[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
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
