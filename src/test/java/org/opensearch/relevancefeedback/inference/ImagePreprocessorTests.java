package org.opensearch.relevancefeedback.inference;

import static org.hamcrest.Matchers.containsString;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.relevancefeedback.TestImages;

public class ImagePreprocessorTests extends LuceneTestCase {

    private static final ImagePreprocessor CLIP64 =
            new ImagePreprocessor(64, 64, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
    private static final ImagePreprocessor.Limits LIMITS = new ImagePreprocessor.Limits(4096 * 4096, 20);

    /** Computing only a window of the resized image gives exactly the same pixels as the full resize cropped. */
    public void testResizeWindowEqualsFullResizeCropped() {
        for (int iter = 0; iter < 20; iter++) {
            int w = 1 + random().nextInt(90);
            int h = 1 + random().nextInt(90);
            int nw = 1 + random().nextInt(120);
            int nh = 1 + random().nextInt(120);
            int[] rgb = new int[w * h * 3];
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = random().nextInt(256);
            }
            int[] full = ImagePreprocessor.resizeBicubicWindow(rgb, w, h, nw, nh, 0, 0, nw, nh);
            int left = random().nextInt(nw);
            int top = random().nextInt(nh);
            int cw = 1 + random().nextInt(nw - left);
            int ch = 1 + random().nextInt(nh - top);
            int[] window = ImagePreprocessor.resizeBicubicWindow(rgb, w, h, nw, nh, left, top, cw, ch);
            for (int y = 0; y < ch; y++) {
                int[] expected =
                        Arrays.copyOfRange(full, ((top + y) * nw + left) * 3, ((top + y) * nw + left + cw) * 3);
                int[] actual = Arrays.copyOfRange(window, y * cw * 3, (y + 1) * cw * 3);
                assertArrayEquals(w + "x" + h + " -> " + nw + "x" + nh + " row " + y, expected, actual);
            }
        }
    }

    /** Canvases over the pixel limit are refused from the header: no pixel buffer of that size is ever allocated. */
    public void testHugeCanvasRefusedFromTheHeader() throws IOException {
        byte[] tiny = TestImages.greyPng(1, 20000);
        assertEquals("the 118-byte PNG of the hardening issue", 118, tiny.length);
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> CLIP64.pixelValues(tiny, LIMITS))
                        .getMessage(),
                containsString(
                        "image is 1x20000, an aspect ratio over 20:1 (setting [plugins.relevance_feedback.max_image_aspect_ratio])"));
        byte[] big = TestImages.greyPng(10000, 10000);
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> CLIP64.pixelValues(big, LIMITS))
                        .getMessage(),
                containsString(
                        "image is 10000x10000 = 100000000 pixels, more than 16777216 (setting [plugins.relevance_feedback.max_image_pixels])"));
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> ImagePreprocessor.checkSize(30000, 30000, LIMITS))
                        .getMessage(),
                containsString("image is 30000x30000 = 900000000 pixels"));
    }

    /** A thin image within the aspect limit is upscaled to the model's short edge: only the crop is computed. */
    public void testThinAndLargeImagesWithinTheLimits() throws IOException {
        assertEquals(3 * 64 * 64, CLIP64.pixelValues(TestImages.greyPng(3, 60), LIMITS).length);
        // 2000x1500: decoded subsampled (every 11th pixel), then resized and cropped as usual
        BufferedImage large = new BufferedImage(2000, 1500, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 1500; y++) {
            for (int x = 0; x < 2000; x++) {
                large.setRGB(x, y, x < 1000 ? 0xff0000 : 0x0000ff);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(large, "png", png);
        float[] pixels = CLIP64.pixelValues(png.toByteArray(), LIMITS);
        assertEquals("left half red", 1f, pixels[10 * 64 + 5], 1e-6);
        assertEquals("right half blue", 1f, pixels[2 * 64 * 64 + 10 * 64 + 60], 1e-6);
    }

    public void testOnlyPngAndJpeg() throws IOException {
        ByteArrayOutputStream bmp = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "bmp", bmp);
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> CLIP64.pixelValues(bmp.toByteArray(), LIMITS))
                        .getMessage(),
                containsString("not a decodable PNG or JPEG image"));
        byte[] truncated = Arrays.copyOf(TestImages.greyPng(64, 64), 40);
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> CLIP64.pixelValues(truncated, LIMITS))
                        .getMessage(),
                containsString("not a decodable PNG or JPEG image"));
    }
}
