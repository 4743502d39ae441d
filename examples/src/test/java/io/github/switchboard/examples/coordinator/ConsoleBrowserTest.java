package io.github.switchboard.examples.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.switchboard.core.testing.RedisHarness;
import io.github.switchboard.core.testing.RedisServer;
import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.HealthCheckConfig;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real browser: Debian's Chromium, headless, driven through its chromedriver
 * (.ci/run installs both when missing). Without them, or when Chromium cannot start here, every test is
 * skipped with the reason, never failed for it. Two coordinators on one Redis, a browser on each, for the
 * whole class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {
  static final String TOKEN = "console-test-token-0123456789";
  static final Duration TWO_SECONDS = Duration.ofSeconds(2);

  @TempDir static Path dir;
  RedisServer redis;
  Coordinator first;
  Coordinator second;
  WebDriver browser;
  WebDriver other;

  @BeforeAll
  void setUp() {
    File chromium = executable("chromium", "chromium-browser", "google-chrome");
    File chromedriver = executable("chromedriver");
    Assumptions.assumeTrue(chromium != null && chromedriver != null,
        "no chromium and chromedriver on the PATH (apt-get install chromium chromium-driver; .ci/run does)");
    redis = RedisHarness.sharedStandalone();
    first = Coordinator.start(config("a"));
    second = Coordinator.start(config("b"));
    try {
      browser = start(chromium, chromedriver);
      other = start(chromium, chromedriver);
    } catch (RuntimeException e) {
      tearDown();
      Assumptions.abort("chromium cannot start here: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  CoordinatorConfig config(String name) {
    return CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0).poolFile(dir.resolve(name + "/pool.json"))
        .redis(redis.target()).poolName("console-test").perMinute(100_000).perHour(1_000_000)
        .healthChecks(HealthCheckConfig.DISABLED).build();
  }

  static WebDriver start(File chromium, File chromedriver) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--window-size=1280,1000", "--hide-scrollbars");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver)
        .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    return driver;
  }

  static File executable(String... names) {
    for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : names) {
        File f = new File(dirName, name);
        if (f.canExecute()) {
          return f;
        }
      }
    }
    return null;
  }

  @AfterAll
  void tearDown() {
    for (WebDriver d : new WebDriver[] {browser, other}) {
      if (d != null) {
        d.quit();
      }
    }
    browser = null;
    other = null;
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  /** Opens the console and waits until its stream is live. */
  static void open(WebDriver d, Coordinator c) {
    d.get(c.uri().resolve(ConsoleHandler.PATH).toString());
    new WebDriverWait(d, Duration.ofSeconds(5))
        .until(ExpectedConditions.textToBe(By.id("connection"), "live"));
  }

  static By row(String id) {
    return By.cssSelector("tr[data-node-id=\"" + id + "\"]");
  }

  static By status(String id) {
    return By.cssSelector("tr[data-node-id=\"" + id + "\"] [data-field=\"status\"]");
  }

  @Test
  void aNodeRegisteredThroughTheApiAppearsAsItsRowWithinTwoSeconds() {
    open(browser, first);
    Api api = new Api(first.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("appears-1", "http://127.0.0.1:9101", "\"en\", \"es\"",
        "\"region\": \"eu-west\", \"tags\": [\"gpu\"]")).statusCode()).isEqualTo(201);
    WebElement tr = new WebDriverWait(browser, TWO_SECONDS)
        .until(ExpectedConditions.presenceOfElementLocated(row("appears-1")));
    assertThat(tr.findElement(By.cssSelector("[data-field=\"status\"]")).getText()).isEqualTo("active");
    assertThat(tr.findElement(By.cssSelector("[data-field=\"region\"]")).getText()).isEqualTo("eu-west");
    assertThat(tr.findElement(By.cssSelector("[data-field=\"languages\"]")).getText()).isEqualTo("en, es");
    assertThat(tr.findElement(By.cssSelector("[data-field=\"selectable\"]")).getText()).isEqualTo("yes");

    assertThat(api.delete("appears-1").statusCode()).isEqualTo(204);
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.numberOfElementsToBe(row("appears-1"), 0));
  }

  @Test
  void drainingFromThePageOnOneCoordinatorShowsInABrowserOnTheOtherWithinTwoSeconds() {
    Api api = new Api(first.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("drain-1", "http://127.0.0.1:9102", "\"en\", \"de\"", ""))
        .statusCode()).isEqualTo(201);
    open(browser, first);
    open(other, second);
    new WebDriverWait(other, TWO_SECONDS).until(ExpectedConditions.textToBe(status("drain-1"), "active"));

    typeToken(browser, TOKEN);
    browser.findElement(row("drain-1")).findElement(By.cssSelector("button[data-action=\"drain\"]")).click();
    long clicked = System.nanoTime();
    new WebDriverWait(other, TWO_SECONDS).until(ExpectedConditions.textToBe(status("drain-1"), "draining"));
    System.out.printf("ConsoleBrowserTest: a drain clicked on one coordinator showed on the other in %d ms%n",
        (System.nanoTime() - clicked) / 1_000_000);
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.textToBe(By.id("result"), "drain-1: draining"));
    assertThat(other.findElement(row("drain-1")).findElement(By.cssSelector("[data-field=\"selectable\"]"))
        .getText()).isEqualTo("no");

    browser.findElement(row("drain-1")).findElement(By.cssSelector("button[data-action=\"activate\"]")).click();
    new WebDriverWait(other, TWO_SECONDS).until(ExpectedConditions.textToBe(status("drain-1"), "active"));

    // remove asks to be confirmed with a second click
    WebElement remove = browser.findElement(row("drain-1")).findElement(By.cssSelector("button[data-action=\"remove\"]"));
    remove.click();
    assertThat(remove.getText()).isEqualTo("Confirm remove");
    remove.click();
    new WebDriverWait(other, TWO_SECONDS).until(ExpectedConditions.numberOfElementsToBe(row("drain-1"), 0));
    assertThat(first.pool().node("drain-1")).isEmpty();
  }

  @Test
  void untrustedValuesRenderAsTextAndRunNothing() {
    // node ids are letters, digits, '.', '_' and '-' (the pool refuses others); tags, regions and A/B test
    // names are any visible characters but spaces
    String script = "<script>window.__pwned=1</script>";
    String img = "<img/src=x/onerror=window.__pwned=2>";
    Api api = new Api(first.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("hostile-1", "http://127.0.0.1:9103", "\"en\", \"es\"",
        "\"region\": \"" + img.replace("2", "3") + "\", \"tags\": [\"" + script + "\", \"" + img + "\"]"))
        .statusCode()).isEqualTo(201);
    first.pool().putAbTest(new AbTest("<img/src=x/onerror=window.__pwned=4>", true, "en-es", 10,
        List.of(script), List.of(img)));
    open(browser, first);
    WebElement tr = new WebDriverWait(browser, TWO_SECONDS)
        .until(ExpectedConditions.presenceOfElementLocated(row("hostile-1")));
    assertThat(tr.findElement(By.cssSelector("[data-field=\"tags\"]")).getText()).isEqualTo(script + ", " + img);
    assertThat(tr.findElement(By.cssSelector("[data-field=\"region\"]")).getText()).isEqualTo(img.replace("2", "3"));
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.textToBePresentInElementLocated(
        By.id("abtests"), "<img/src=x/onerror=window.__pwned=4>"));
    JavascriptExecutor js = (JavascriptExecutor) browser;
    assertThat(js.executeScript("return document.querySelectorAll('main img, main script').length")).isEqualTo(0L);
    assertThat(js.executeScript("return typeof window.__pwned")).isEqualTo("undefined");
    first.pool().removeAbTest("<img/src=x/onerror=window.__pwned=4>");
    api.delete("hostile-1");
  }

  @Test
  void aWrongTokenShowsTheProblemsDetail() {
    Api api = new Api(first.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("token-1", "http://127.0.0.1:9104", "\"en\", \"es\"", ""))
        .statusCode()).isEqualTo(201);
    open(browser, first);
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.presenceOfElementLocated(row("token-1")));
    typeToken(browser, "not-the-token-at-all");
    browser.findElement(row("token-1")).findElement(By.cssSelector("button[data-action=\"drain\"]")).click();
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.textToBe(By.id("result"),
        "401: the Bearer token is not valid"));
    assertThat(first.pool().node("token-1").orElseThrow().node().status().jsonName()).isEqualTo("active");
    // the token stays in the tab's sessionStorage, nowhere else
    JavascriptExecutor js = (JavascriptExecutor) browser;
    assertThat(js.executeScript("return sessionStorage.getItem('switchboard.console.token')"))
        .isEqualTo("not-the-token-at-all");
    assertThat(js.executeScript("return localStorage.length + document.cookie.length")).isEqualTo(0L);
    api.delete("token-1");
  }

  @Test
  void thePageLoadsNothingFromAnotherOriginWeighsUnder100KbAndIsCached() throws Exception {
    open(browser, first);
    String origin = "http://127.0.0.1:" + first.port();
    @SuppressWarnings("unchecked")
    List<String> resources = (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })");
    assertThat(resources).isNotEmpty().allSatisfy(name -> assertThat(name).startsWith(origin + "/"));
    assertThat(resources).anySatisfy(name -> assertThat(name).endsWith("/console/console.js"));

    long weight = 0;
    for (String file : new String[] {"", "console.css", "console.js"}) {
      Api api = new Api(first.uri(), TOKEN);
      HttpResponse<String> r = api.get(ConsoleHandler.PATH + file);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Security-Policy")).hasValue(ConsoleHandler.CSP);
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      String etag = r.headers().firstValue("ETag").orElseThrow();
      assertThat(api.send(api.request(ConsoleHandler.PATH + file).header("If-None-Match", etag)).statusCode())
          .isEqualTo(304);
      weight += r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    System.out.printf("ConsoleBrowserTest: the console weighs %d bytes uncompressed (HTML + CSS + JS)%n", weight);
    assertThat(weight).isLessThan(100 * 1024);
    assertThat(new Api(first.uri(), TOKEN).get("/console").statusCode()).isIn(200, 308);
  }

  @Test
  void itWorksAt320PixelsWideAndWithTheKeyboardAlone() {
    Api api = new Api(first.uri(), TOKEN);
    assertThat(api.register(Api.nodeJson("keys-1", "http://127.0.0.1:9105", "\"en\", \"es\"", ""))
        .statusCode()).isEqualTo(201);
    Dimension before = browser.manage().window().getSize();
    try {
      browser.manage().window().setSize(new Dimension(320, 800));
      open(browser, first);
      new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.presenceOfElementLocated(row("keys-1")));
      JavascriptExecutor js = (JavascriptExecutor) browser;
      assertThat((Long) js.executeScript("return window.innerWidth")).isLessThanOrEqualTo(320L);
      assertThat((Long) js.executeScript("return document.documentElement.scrollWidth - window.innerWidth"))
          .as("the page does not scroll sideways at 320 px (wide tables scroll in their own box)")
          .isLessThanOrEqualTo(0L);

      // from the top of the page: the token field, Forget, the nodes' scroll box, then the first row's buttons
      typeToken(browser, TOKEN); // the field keeps what an earlier test typed (sessionStorage): replace it
      WebElement drain = browser.findElement(row("keys-1")).findElement(By.cssSelector("button[data-action=\"drain\"]"));
      for (int i = 0; i < 40 && !drain.equals(browser.switchTo().activeElement()); i++) {
        browser.switchTo().activeElement().sendKeys(Keys.TAB);
      }
      assertThat(browser.switchTo().activeElement()).isEqualTo(drain);
      drain.sendKeys(Keys.ENTER);
      new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.textToBe(status("keys-1"), "draining"));
    } finally {
      browser.manage().window().setSize(before);
      api.delete("keys-1");
    }
  }

  @Test
  void aLostStreamShowsDisconnectedRetryingUntilTheCoordinatorIsBack() {
    CoordinatorConfig config = CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(0)
        .poolFile(dir.resolve("c/pool.json")).healthChecks(HealthCheckConfig.DISABLED).build();
    Coordinator third = Coordinator.start(config);
    int port = third.port();
    try {
      open(other, third);
      third.close();
      new WebDriverWait(other, Duration.ofSeconds(5))
          .until(ExpectedConditions.textToBe(By.id("connection"), "disconnected, retrying"));
      third = Coordinator.start(CoordinatorConfig.builder(TOKEN).host("127.0.0.1").port(port)
          .poolFile(dir.resolve("c/pool.json")).healthChecks(HealthCheckConfig.DISABLED).build());
      new WebDriverWait(other, Duration.ofSeconds(10))
          .until(ExpectedConditions.textToBe(By.id("connection"), "live"));
    } finally {
      third.close();
    }
  }

  @Test
  void theScreenshotIsWritten() throws IOException {
    Api api = new Api(first.uri(), TOKEN);
    String[][] nodes = {
        {"decoder-eu-1", "eu-west", "\"en\", \"es\", \"fr\"", "active", "12"},
        {"decoder-eu-2", "eu-west", "\"en\", \"de\"", "draining", "3"},
        {"decoder-us-1", "us-east", "\"en\", \"es\"", "active", "27"},
        {"decoder-us-2", "us-east", "\"en\", \"pt\"", "maintenance", "0"}};
    for (String[] n : nodes) {
      assertThat(api.register(Api.nodeJson(n[0], "http://10.0.0.1:8001", n[2], "\"region\": \"" + n[1]
          + "\", \"tags\": [\"gpu\"], \"status\": \"" + n[3] + "\"")).statusCode()).isIn(200, 201);
      assertThat(api.heartbeat(n[0], "{\"load\": " + n[4] + "}").statusCode()).isEqualTo(204);
    }
    first.pool().putAbTest(new AbTest("es-v2", true, "en-es", 10, List.of("stable"), List.of("v2")));
    assertThat(api.putPlan("free", "{\"limits\": [\"60/1m\", \"1000/1h\"]}").statusCode()).isEqualTo(200);
    assertThat(api.putPlan("gold-shadow", "{\"limits\": [\"600/1m\"], \"shadow\": true}").statusCode()).isEqualTo(200);
    Dimension before = browser.manage().window().getSize();
    browser.manage().window().setSize(new Dimension(1280, 1180));
    open(browser, first);
    // a few seconds of decisions for the chart
    for (int s = 0; s < 4; s++) {
      long second = System.nanoTime() / 1_000_000_000L;
      for (int i = 0; i < 5 + 5 * s; i++) {
        api.route("screenshot-key-" + i, "en", "es", null);
      }
      new WebDriverWait(browser, TWO_SECONDS).until(d -> System.nanoTime() / 1_000_000_000L > second);
    }
    new WebDriverWait(browser, TWO_SECONDS).until(ExpectedConditions.numberOfElementsToBe(
        By.cssSelector("#nodes tbody tr"), nodes.length));
    Path out = Path.of("..", "docs", "images", "console.png").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isDirectory(out.getParent().getParent()), "no docs directory at " + out);
    Files.createDirectories(out.getParent());
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(out, png);
    browser.manage().window().setSize(before);
    assertThat(png.length).isGreaterThan(10_000);
    assertThat(Files.size(out)).isEqualTo(png.length);
    for (String[] n : nodes) {
      api.delete(n[0]);
    }
    first.pool().removeAbTest("es-v2");
    api.deleteWithToken("/api/v1/plans/free");
    api.deleteWithToken("/api/v1/plans/gold-shadow");
  }

  static void typeToken(WebDriver d, String token) {
    WebElement field = d.findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
  }
}
