package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .ci/CheckSkips.java}, as {@code .ci/run} runs it after the suite: a skip CI must not allow fails the build, by name. */
class CiSkipCheckTest {
    private static final String REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="dev.npcnix.cli.RealNixEndToEndTest" tests="3" skipped="2">
              <testcase name="followBuildsThePublishedFlakeWithNix" classname="dev.npcnix.cli.RealNixEndToEndTest" time="0.0">
                <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: /bin/busybox is missing (apt-get install busybox-static)
            	at dev.npcnix.cli.RealNixEndToEndTest.setUp(RealNixEndToEndTest.java:32)
            ]]></skipped>
              </testcase>
              <testcase name="aLargeArchiveRoundTrips" classname="dev.npcnix.store.LocalStackS3StoreTest" time="0.0">
                <skipped message="disabledWithoutDocker is true and Docker is not available"/>
              </testcase>
              <testcase name="ran" classname="dev.npcnix.cli.RealNixEndToEndTest" time="0.1"/>
            </testsuite>
            """;

    @TempDir
    Path tmp;

    @Test
    void aSkipThatIsNotAllowedFailsAndIsNamedWithItsReason() throws Exception {
        Path reports = Files.createDirectories(tmp.resolve("surefire-reports"));
        Files.writeString(reports.resolve("TEST-dev.npcnix.cli.RealNixEndToEndTest.xml"), REPORT);

        Run refused = check(repoFile(".ci/allowed-skips"), reports);
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains(
                "NOT ALLOWED dev.npcnix.cli.RealNixEndToEndTest#followBuildsThePublishedFlakeWithNix: /bin/busybox is missing (apt-get install busybox-static)",
                "allowed     dev.npcnix.store.LocalStackS3StoreTest#aLargeArchiveRoundTrips: disabledWithoutDocker",
                "skipped tests: 2 of 3 (1 allowed in CI, 1 not)");

        Path allowBoth = Files.writeString(tmp.resolve("allowed"), Files.readString(repoFile(".ci/allowed-skips"))
                + "dev.npcnix.cli.RealNixEndToEndTest#followBuildsThePublishedFlakeWithNix  for this test\n");
        assertThat(check(allowBoth, reports).code()).isZero();
        assertThat(check(allowBoth, tmp.resolve("nothing-here")).code()).as("no reports: the suite did not run").isEqualTo(1);
    }

    private record Run(int code, String out) {
    }

    private Run check(Path allowed, Path reports) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                repoFile(".ci/CheckSkips.java").toString(), allowed.toString(), reports.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static Path repoFile(String relative) {
        return HelpTest.docs().getParent().resolve(relative);
    }
}
