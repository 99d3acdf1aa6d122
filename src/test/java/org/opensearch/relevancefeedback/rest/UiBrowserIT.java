package org.opensearch.relevancefeedback.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakScope;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;

/**
 * The web UI in a real browser (Debian's chromium, headless, through chromium-driver) against the real cluster with
 * the emoji test gallery loaded through rf_encode: search by keyboard, thumbs and refine (ranks move), history,
 * AFS heat map, caption word highlights and a drawn region box, query by an image file and "similar" (more like
 * this), readable API errors, an empty index by deep link,
 * a phone-sized window, and a document whose label is HTML rendered as text. Screenshots go to
 * target/ui-screenshots/ (the ones in docs/ui/ come from here).
 */
@ThreadLeakScope(ThreadLeakScope.Scope.NONE) // Selenium's HTTP client threads outlive a test method
public class UiBrowserIT extends RealClusterTestCase {

    private static final String INDEX = "emoji_ui";
    private static final String XSS = "<img src=x onerror=alert(1)>";
    private static final Path SHOTS = Path.of("target/ui-screenshots");

    private WebDriver driver;
    private WebDriverWait wait;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .build();
        driver = new ChromeDriver(service, options);
        viewport(1280, 800, false);
        wait = new WebDriverWait(driver, Duration.ofSeconds(120));
        Files.createDirectories(SHOTS);
    }

    @Override
    public void tearDown() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        super.tearDown();
    }

    private String ui() {
        return "http://" + getClusterHosts().get(0).toHostString() + "/_plugins/relevance_feedback/ui/";
    }

    public void testStaticFilesAndHeaders() throws IOException {
        // the page's own parameters (deep links) are not rejected as unknown REST parameters
        Response page = client().performRequest(
                        new Request("GET", "/_plugins/relevance_feedback/ui/?index=emoji&q=red%20heart&strategy=grf"));
        assertEquals("text/html; charset=UTF-8", page.getHeader("Content-Type"));
        assertThat(page.getHeader("Content-Security-Policy"), containsString("script-src 'self'"));
        assertThat(page.getHeader("Content-Security-Policy"), containsString("default-src 'none'"));
        assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));
        String html = new String(page.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(html, containsString("/_plugins/relevance_feedback/ui/app.js"));
        assertFalse("no inline script or handler", html.contains("<script>") || html.matches("(?s).*\\son[a-z]+=.*"));
        Response js = client().performRequest(new Request("GET", "/_plugins/relevance_feedback/ui/app.js"));
        assertEquals("text/javascript; charset=UTF-8", js.getHeader("Content-Type"));
        ResponseException missing = expectThrows(
                ResponseException.class,
                () -> client().performRequest(new Request("GET", "/_plugins/relevance_feedback/ui/secret.txt")));
        assertEquals(404, missing.getResponse().getStatusLine().getStatusCode());
    }

    @SuppressWarnings("unchecked")
    public void testSearchRefineAfsAndSafetyInTheBrowser() throws Exception {
        loadGallery();

        // a search by keyboard: the query box has the focus, Enter searches, Tab goes on to the button
        driver.get(ui() + "?index=" + INDEX);
        wait.until(d -> d.findElements(By.cssSelector("#index option")).size() > 0
                && "q".equals(d.switchTo().activeElement().getAttribute("id")));
        WebElement q = driver.findElement(By.id("q"));
        q.sendKeys(Keys.TAB);
        assertEquals("go", driver.switchTo().activeElement().getAttribute("id"));
        q.sendKeys("red heart", Keys.ENTER);
        waitForRounds(1);
        List<WebElement> cards = driver.findElements(By.cssSelector(".card"));
        assertEquals(20, cards.size());
        assertTrue("thumbnails load", (Boolean) js(
                "return [...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth === 64)"));

        // a label that is HTML shows as text and runs nothing
        WebElement xss = driver.findElement(By.cssSelector(".card[data-id='xss'] .label"));
        assertEquals(XSS, xss.getText());
        assertTrue(driver.findElements(By.cssSelector("#results img[src='x']")).isEmpty());
        expectThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
        shot("1-search");

        // two thumbs up, refine: the ranking moves, and the marked documents do not fall
        List<String> before = ids();
        String first = before.get(3);
        String second = before.get(6);
        driver.findElement(By.cssSelector(".card[data-id='" + first + "'] .thumb-up"))
                .click();
        driver.findElement(By.cssSelector(".card[data-id='" + second + "'] .thumb-up"))
                .click();
        assertThat(driver.findElement(By.id("marks")).getText(), containsString("2 up, 0 down"));
        assertEquals(
                "true",
                driver.findElement(By.cssSelector(".card[data-id='" + first + "'] .thumb-up"))
                        .getAttribute("aria-pressed"));
        shot("2-marked");
        driver.findElement(By.id("refine")).click();
        waitForRounds(2);
        List<String> after = ids();
        assertNotEquals(before, after);
        assertThat(
                driver.findElements(By.cssSelector(".move.up, .move.down, .move.new"))
                        .size(),
                greaterThan(0));
        assertThat(after.indexOf(first), lessThanOrEqualTo(3));
        assertThat(after.indexOf(second), lessThanOrEqualTo(6));
        assertThat(
                driver.findElement(By.cssSelector("#history .round.current")).getText(),
                containsString("refine: 2 up, 0 down"));
        assertTrue(
                "the explain panel shows the marked documents' weights",
                driver.findElement(By.id("explain")).isDisplayed());
        shot("3-refined");

        // history: back to round 1 and its ranking
        driver.findElement(By.cssSelector("#history .round")).click();
        assertEquals(before, ids());
        driver.findElements(By.cssSelector("#history .round")).get(1).click();
        assertEquals(after, ids());

        // AFS: the feedback images' heat maps and caption words, then a box drawn on one of them steers the next round
        new Select(driver.findElement(By.id("strategy"))).selectByValue("afs");
        driver.findElement(By.id("q")).sendKeys(Keys.ENTER);
        waitForRounds(3);
        List<WebElement> rows = driver.findElements(By.cssSelector("#explain .weights tbody tr"));
        assertEquals(5, rows.size());
        assertThat(driver.findElements(By.cssSelector("#explain .word")).size(), greaterThan(4));
        WebElement toggle = driver.findElement(By.cssSelector("#explain .heat-toggle"));
        toggle.click();
        assertEquals("true", toggle.getAttribute("aria-pressed"));
        assertTrue(driver.findElement(By.cssSelector("#explain .heat")).isDisplayed());
        for (WebElement cardToggle : driver.findElements(By.cssSelector(".card .heat-toggle"))) {
            cardToggle.click();
        }
        assertThat(
                driver.findElements(By.cssSelector(".card .heat")).stream()
                        .filter(WebElement::isDisplayed)
                        .count(),
                greaterThan(0L));
        shot("4-afs-heatmap");
        WebElement frame = driver.findElement(By.cssSelector("#explain .frame.feedback"));
        int w = frame.getSize().getWidth();
        new Actions(driver)
                .moveToElement(frame, -w / 4, -w / 4)
                .clickAndHold()
                .moveByOffset(w / 2, w / 2)
                .release()
                .perform();
        assertEquals(1, driver.findElements(By.cssSelector("#explain .box")).size());
        assertThat(driver.findElement(By.id("marks")).getText(), containsString("1 box"));
        shot("5-box");
        driver.findElement(By.id("refine")).click();
        waitForRounds(4);
        assertFalse(driver.findElement(By.id("error")).isDisplayed());
        assertThat(
                driver.findElement(By.cssSelector("#history .round.current")).getText(),
                containsString("afs with 1 box"));

        // query by an image file: the same picture comes first; "similar" on it: more like this, without itself
        new Select(driver.findElement(By.id("strategy"))).selectByValue("none");
        Map<String, Object> dog = records("test").stream()
                .filter(r -> "dog face".equals(label(r)))
                .findFirst()
                .orElseThrow();
        String dogId = dog.get("vendor") + "-" + dog.get("emoji");
        driver.findElement(By.id("image"))
                .sendKeys(Path.of((String) dog.get("path")).toAbsolutePath().toString());
        waitForRounds(5);
        assertEquals(dogId, ids().get(0));
        assertThat(driver.findElement(By.cssSelector("#history .round.current")).getText(), containsString("image "));
        driver.findElement(By.cssSelector(".card[data-id='" + dogId + "'] .similar"))
                .click();
        waitForRounds(6);
        assertThat(
                driver.findElement(By.cssSelector("#history .round.current")).getText(),
                containsString("like dog face"));
        assertEquals(20, ids().size());
        assertFalse("the example is left out of its own results", ids().contains(dogId));
        shot("8-similar");

        // an API error is shown readably and the page keeps working
        driver.findElement(By.cssSelector("#advanced summary")).click();
        WebElement k = driver.findElement(By.id("k"));
        k.clear();
        k.sendKeys("5000");
        driver.findElement(By.id("q")).sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.id("error")).isDisplayed());
        assertThat(driver.findElement(By.id("error")).getText(), containsString("400"));
        assertThat(
                driver.findElement(By.id("error")).getText(),
                containsString("(index setting [index.relevance_feedback.max_"));
        shot("6-error");

        // deep links: an empty index says so; a shared link runs its search on load, also in a phone-sized window
        Request empty = new Request("PUT", "/emoji_ui_empty");
        empty.setJsonEntity("{\"mappings\":{\"properties\":{\"image\":{\"type\":\"rf_vector\",\"dimension\":256}}}}");
        client().performRequest(empty);
        driver.get(ui() + "?index=emoji_ui_empty&q=dog&strategy=prf");
        wait.until(d -> d.findElements(By.cssSelector("#results .empty")).size() == 1);
        assertEquals("prf", driver.findElement(By.id("strategy")).getAttribute("value"));
        viewport(390, 844, true);
        driver.get(ui() + "?index=" + INDEX + "&q=red%20heart&strategy=grf");
        waitForRounds(1);
        assertEquals("red heart", driver.findElement(By.id("q")).getAttribute("value"));
        assertEquals(20, driver.findElements(By.cssSelector(".card")).size());
        assertTrue("nothing wider than the phone", (Boolean)
                js("return document.documentElement.scrollWidth <= window.innerWidth"));
        shot("7-phone");
        expectThrows(NoAlertPresentException.class, () -> driver.switchTo().alert());
    }

    /** The emoji test gallery as scripts/demo.sh loads it (labels, GRF captions, token blocks, thumbnails), plus a hostile label. */
    @SuppressWarnings("unchecked")
    private void loadGallery() throws IOException {
        createEmojiIndex(INDEX, ",\"label\":{\"type\":\"text\"},\"thumbnail\":{\"type\":\"binary\"}");
        List<Map<String, Object>> records = records("test");
        for (int from = 0; from < records.size(); from += 200) {
            StringBuilder bulk = new StringBuilder();
            for (Map<String, Object> r : records.subList(from, Math.min(from + 200, records.size()))) {
                bulk.append("{\"index\":{\"_id\":\"")
                        .append(r.get("vendor"))
                        .append('-')
                        .append(r.get("emoji"))
                        .append("\"}}\n");
                bulk.append(document(png(r), label(r), grfCaption(r))).append('\n');
            }
            Request request = new Request("POST", "/" + INDEX + "/_bulk");
            request.setJsonEntity(bulk.toString());
            assertEquals(
                    Boolean.FALSE, entityAsMap(client().performRequest(request)).get("errors"));
        }
        // the hostile document has the image of the top hit for "red heart", so it is among that search's results
        client().performRequest(new Request("POST", "/" + INDEX + "/_refresh"));
        String top = (String) ((Map<String, Object>) ((List<Object>) ((Map<String, Object>)
                                        textSearch(INDEX, "red heart", 1, null).get("hits"))
                                .get("hits"))
                        .get(0))
                .get("_id");
        Map<String, Object> record = records.stream()
                .filter(r -> top.equals(r.get("vendor") + "-" + r.get("emoji")))
                .findFirst()
                .orElseThrow();
        Request xss = new Request("PUT", "/" + INDEX + "/_doc/xss?refresh=true");
        xss.setJsonEntity(document(png(record), XSS, XSS));
        client().performRequest(xss);
    }

    private static String png(Map<String, Object> record) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of((String) record.get("path"))));
    }

    private static String document(String png, String label, String caption) {
        return "{\"image_b64\":\"" + png + "\",\"thumbnail\":\"" + png + "\",\"label\":\"" + escape(label)
                + "\",\"caption_text\":\"" + escape(caption) + "\"}";
    }

    /** Waits until the history holds {@code n} rounds and the page is idle again (buttons enabled). */
    private void waitForRounds(int n) {
        wait.until(d -> d.findElement(By.id("go")).isEnabled()
                && (d.findElements(By.cssSelector("#history .round")).size() == n
                        || d.findElement(By.id("error")).isDisplayed()));
        assertFalse(
                driver.findElement(By.id("error")).getText(),
                driver.findElement(By.id("error")).isDisplayed());
        assertEquals(n, driver.findElements(By.cssSelector("#history .round")).size());
    }

    /** The page's viewport exactly (a window size would include the browser's own bars). */
    private void viewport(int width, int height, boolean mobile) {
        ((ChromeDriver) driver)
                .executeCdpCommand(
                        "Emulation.setDeviceMetricsOverride",
                        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    private List<String> ids() {
        return driver.findElements(By.cssSelector(".card")).stream()
                .map(c -> c.getAttribute("data-id"))
                .toList();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
    }
}
