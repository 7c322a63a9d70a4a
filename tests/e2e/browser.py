"""A real browser for the portal's pages: Debian's headless Chromium driven by Selenium through
Debian's chromedriver (never a downloaded driver), with the helpers the browser tests share:
fields found by their visible label, explicit waits on what the page draws, downloads, console
logs and screenshots.

Screenshots land in $PORTAL_SCREENSHOT_DIR, by default .data/screenshots/ in the repository."""

import os
import shutil
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import support

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOT_DIR = os.environ.get("PORTAL_SCREENSHOT_DIR") or os.path.join(REPO_ROOT, ".data", "screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT_SECONDS = 20


def missing_tools():
    """What this machine lacks to run the browser tests (scripts/install-deps.sh installs it)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    return missing


def xpath_literal(text):
    """`text` as an XPath 1.0 string literal (quotes of both kinds allowed)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


class Browser:
    def __init__(self):
        self.download_dir = tempfile.mkdtemp(prefix="portal-downloads-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        # --no-sandbox: Chromium's sandbox refuses to start as root (CI runs as root).
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900",
                         "--lang=fr-FR", "--no-first-run", "--disable-extensions"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "download.default_directory": self.download_dir, "download.prompt_for_download": False,
            "intl.accept_languages": "fr-FR,fr"})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.console = []

    def quit(self):
        self.driver.quit()
        shutil.rmtree(self.download_dir, ignore_errors=True)

    # ------------------------------------------------------------------ waiting

    def wait(self, condition, message, timeout=WAIT_SECONDS):
        """Polls condition(driver) until truthy; stale elements (a redraw) count as not yet."""
        def check(driver):
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False
        return WebDriverWait(self.driver, timeout).until(check, message)

    def rendered(self):
        """The screen named by the address is drawn (see app.js: data-location)."""
        return self.driver.execute_script(
            "const s = document.getElementById('screen');"
            "return s !== null && !s.hasAttribute('aria-busy') && s.dataset.location === window.location.hash;")

    def render_count(self):
        return int(self.driver.execute_script("return document.getElementById('screen').dataset.render || '0';"))

    def wait_screen(self, title_part, route=None):
        """Waits for the screen whose <h1> contains title_part (and whose address starts with route)."""
        def ready(driver):
            if not self.rendered():
                return False
            if route and not driver.execute_script("return window.location.hash;").startswith(f"#{route}"):
                return False
            return title_part in driver.find_element(By.CSS_SELECTOR, "#screen h1").text
        self.wait(ready, f"screen '{title_part}' not shown (url {self.driver.current_url})")

    def wait_redraw(self, before):
        """Waits for the screen to be drawn again after `before` = render_count()."""
        self.wait(lambda d: self.rendered() and self.render_count() > before, "the screen was not drawn again")

    def wait_text(self, text, css="#contenu"):
        self.wait(lambda d: text in d.find_element(By.CSS_SELECTOR, css).text, f"'{text}' not shown in {css}")

    # ------------------------------------------------------------------ navigation

    def open(self, route=""):
        """Loads the page at #route (a full page load: a fresh start of the app)."""
        # Only the fragment would change otherwise, and the browser would not load the page again.
        self.driver.get("about:blank")
        self.driver.get(f"{support.BASE_URL}/#{route}")

    def go(self, route):
        """Changes the hash only, as a link would."""
        self.driver.execute_script("window.location.hash = arguments[0];", route)

    def menu(self):
        # textContent: .text would be the upper case the stylesheet shows.
        return [a.get_attribute("textContent").strip() for a in self.driver.find_elements(By.CSS_SELECTOR, "#main-nav a")]

    def click_menu(self, label, title_part):
        self.driver.find_element(By.XPATH, f"//nav[@id='main-nav']//a[normalize-space(.)={xpath_literal(label)}]").click()
        self.wait_screen(title_part)

    # ------------------------------------------------------------------ forms

    def control(self, label, within=None):
        """The input, select or textarea whose <label> reads `label` (a trailing required '*' ignored)."""
        scope = within or self.driver
        labels = scope.find_elements(By.XPATH, ".//label" if within else "//label")
        for element in labels:
            # textContent: a hidden field's label has no visible .text.
            if element.get_attribute("textContent").replace("*", "").strip() == label:
                return self.driver.find_element(By.ID, element.get_attribute("for"))
        raise AssertionError(f"no field labelled '{label}'")

    def fill(self, label, value, within=None):
        element = self.control(label, within)
        element.clear()
        element.send_keys(value)
        return element

    def choose(self, label, visible_text, within=None):
        Select(self.control(label, within)).select_by_visible_text(visible_text)

    def button(self, text, within=None):
        scope = within or self.driver
        return scope.find_element(By.XPATH, f".//button[normalize-space(.)={xpath_literal(text)}]")

    def link(self, text, within=None):
        scope = within or self.driver
        return scope.find_element(By.XPATH, f".//a[normalize-space(.)={xpath_literal(text)}]")

    def error_of(self, label, within=None):
        """The message shown under the field labelled `label` (waits for one to appear)."""
        control = self.control(label, within)
        field = control.find_element(By.XPATH, "ancestor::*[contains(concat(' ', @class, ' '), ' field ')][1]")
        self.wait(lambda d: field.find_element(By.CSS_SELECTOR, ".field-error").text.strip() != "",
                  f"no error shown under '{label}'")
        assert control.get_attribute("aria-invalid") == "true", f"'{label}' not marked aria-invalid"
        return field.find_element(By.CSS_SELECTOR, ".field-error").text

    def form_problem(self):
        """The alert at the top of the form that shows one (a page may hold several forms)."""
        def shown(d):
            alerts = [a for a in d.find_elements(By.CSS_SELECTOR, ".form-problem") if a.is_displayed()]
            return alerts[0].text if alerts else None
        return self.wait(shown, "no problem shown at the top of a form")

    def notice(self, expected=""):
        """The message at the top of the page, once it contains `expected` (an earlier one may linger)."""
        def shown(d):
            text = d.find_element(By.ID, "notice").text
            return text if text.strip() and expected in text else None
        return self.wait(shown, f"no notice '{expected}' shown")

    # ------------------------------------------------------------------ files, logs, pictures

    def clear_downloads(self):
        for name in os.listdir(self.download_dir):
            os.remove(os.path.join(self.download_dir, name))

    def downloaded(self):
        """The one completed download (call clear_downloads before the click); its path."""
        def done(_):
            names = os.listdir(self.download_dir)
            finished = [n for n in names if not n.endswith((".crdownload", ".tmp")) and not n.startswith(".")]
            return finished[0] if len(finished) == 1 and len(names) == 1 else None
        return os.path.join(self.download_dir, self.wait(done, f"no download in {self.download_dir}"))

    def take_console(self):
        """Console messages since the last call (Chromium hands each out once)."""
        self.console += self.driver.get_log("browser")
        return self.console

    def screenshot(self, name):
        os.makedirs(SCREENSHOT_DIR, exist_ok=True)
        path = os.path.join(SCREENSHOT_DIR, f"{name}.png")
        assert self.driver.save_screenshot(path), path
        return path

    def focused(self):
        return self.driver.switch_to.active_element

    # ------------------------------------------------------------------ accessibility

    def accessibility_problems(self):
        """On the page as drawn: form controls without a label, buttons and links without a name,
        and text whose contrast with its background is under WCAG AA (4.5:1, 3:1 for large text)."""
        return self.driver.execute_script(ACCESSIBILITY_SCRIPT)


ACCESSIBILITY_SCRIPT = r"""
const problems = [];
const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const name = (el) => (el.getAttribute('aria-label') || el.textContent || '').trim();
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || !visible(el)) continue;
  if (el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
    problems.push(`control without label: ${el.outerHTML.slice(0, 120)}`);
  }
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (visible(el) && name(el) === '') problems.push(`nameless ${el.tagName.toLowerCase()}: ${el.outerHTML.slice(0, 120)}`);
}
const rgba = (text) => (text.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const background = (el) => {
  for (let node = el; node; node = node.parentElement) {
    const color = rgba(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] === 1)) return color.slice(0, 3);
  }
  return [255, 255, 255];
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || seen.has(el) || node.textContent.trim() === '' || !visible(el)) continue;
  seen.add(el);
  if (el.closest('.visually-hidden, option, [hidden]')) continue;
  const style = getComputedStyle(el);
  const fg = rgba(style.color);
  const [l1, l2] = [luminance(fg.slice(0, 3)), luminance(background(el))];
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${node.textContent.trim().slice(0, 40)}"`);
}
return problems;
"""

