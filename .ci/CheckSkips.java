import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads Surefire's XML reports and prints the skipped tests; exits 1 when a skipped test is not
 * allowed (see .ci/allowed-skips) or when there are no reports. Run by .ci/check-skips (Java's
 * single-file launcher: CI has a JDK, not necessarily Python or xmllint).
 *
 *   java .ci/CheckSkips.java ALLOWED-SKIPS REPORT-DIR...
 */
public final class CheckSkips {
    record Skip(String test, String reason) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> allowed = allowed(Path.of(args[0]));
        List<Skip> skips = new ArrayList<>();
        int tests = 0;
        int reports = 0;
        for (int i = 1; i < args.length; i++) {
            Path dir = Path.of(args[i]);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path report : files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList()) {
                    reports++;
                    NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                            .getElementsByTagName("testcase");
                    for (int c = 0; c < cases.getLength(); c++) {
                        Element testcase = (Element) cases.item(c);
                        tests++;
                        NodeList skipped = testcase.getElementsByTagName("skipped");
                        if (skipped.getLength() > 0) {
                            skips.add(new Skip(testcase.getAttribute("classname") + "#" + testcase.getAttribute("name"),
                                    reason((Element) skipped.item(0))));
                        }
                    }
                }
            }
        }
        if (reports == 0) {
            System.out.println("skipped tests: no test reports found (did the tests run?)");
            System.exit(1);
        }
        int refused = 0;
        for (Skip s : skips) {
            String why = allowedWhy(allowed, s.test());
            if (why == null) {
                refused++;
            }
            System.out.printf("  %s %s: %s%s%n", why == null ? "NOT ALLOWED" : "allowed    ", s.test(), s.reason(),
                    why == null ? "" : " [" + why + "]");
        }
        System.out.printf("skipped tests: %d of %d (%d allowed in CI, %d not)%n", skips.size(), tests, skips.size() - refused, refused);
        if (refused > 0) {
            System.out.println("skipped tests: install what the NOT ALLOWED ones name, or add them to .ci/allowed-skips with a reason");
            System.exit(1);
        }
    }

    /** The first line of the skip's message or text. */
    private static String reason(Element skipped) {
        String text = skipped.hasAttribute("message") ? skipped.getAttribute("message") : skipped.getTextContent();
        text = text.strip().replaceFirst("^org\\.opentest4j\\.TestAbortedException: ", "");
        return text.isEmpty() ? "(no reason given)" : text.lines().findFirst().orElse("").replaceFirst("^Assumption failed: ", "");
    }

    private static String allowedWhy(Map<String, String> allowed, String test) {
        String why = allowed.get(test);
        if (why == null) {
            why = allowed.get(test.substring(0, test.indexOf('#')));
        }
        return why;
    }

    private static Map<String, String> allowed(Path file) throws IOException {
        Map<String, String> allowed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            allowed.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        return allowed;
    }
}
