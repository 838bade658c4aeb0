package dev.npcnix.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubprocessTest {

    /**
     * An error message built from a program's last lines reads the same every run: with stderr kept apart,
     * stdout's lines come first, then stderr's (the JsonContractTest golden of a failed rebuild flipped
     * under load when both pipes fed one tail).
     */
    @Test
    void theLastLinesOfTwoPipesComeInAFixedOrder() throws IOException {
        for (int run = 0; run < 10; run++) {
            Subprocess.Result r = Subprocess.run(List.of("/bin/sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 3"),
                    Map.of("PATH", "/usr/bin:/bin"), Optional.empty(), Optional.of(Duration.ofSeconds(30)), false, true,
                    line -> { }, line -> { });
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.lastLines()).as("run %d", run).containsExactly("out1", "out2", "err1", "err2");
            assertThat(r.tail()).isEqualTo(": out2 | err1 | err2");
        }
    }
}
