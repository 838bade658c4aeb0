package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code npcnix completion bash|zsh}, loaded into the real shells and asked to complete. */
class CompletionTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();

    @Test
    void bashCompletesCommandsAndEachCommandsOwnOptions() throws Exception {
        Path script = tmp.resolve("npcnix.bash");
        CliRunner.Result r = cli.run("completion", "bash");
        assertThat(r.code()).as(r.err()).isZero();
        Files.writeString(script, r.out());

        assertThat(bashComplete(script, "npcnix", "pu")).containsExactlyInAnyOrder("publish", "push", "pull");
        assertThat(bashComplete(script, "npcnix", "comp")).containsExactly("completion");
        assertThat(bashComplete(script, "npcnix", "pack", "--s")).containsExactly("--src");
        assertThat(bashComplete(script, "npcnix", "status", "--")).contains("--json", "--data-dir");
        assertThat(bashComplete(script, "npcnix", "pack", "--")).contains("--src", "--dst").doesNotContain("--data-dir");
        assertThat(bashComplete(script, "npcnix", "config", "set", "")).containsExactlyInAnyOrder("remote", "configuration");
    }

    /** Runs the completion function as bash does for {@code words} (the last one is being completed). */
    private List<String> bashComplete(Path script, String... words) throws Exception {
        String program = "source '" + script + "'\n"
                + "COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}\n"
                + "_complete_npcnix 2>/dev/null\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        ProcessBuilder pb = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program, "bash");
        pb.command().addAll(List.of(words));
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * As a package installs it ({@code _npcnix} in a directory of {@code $fpath}, loaded by compinit on
     * the first TAB) and as a user sources it: an interactive zsh on a pseudo-terminal (zsh's zpty module)
     * is typed {@code npcnix pu<TAB><TAB>} and lists the matching commands.
     */
    @Test
    void zshCompletesFromFpathAndWhenSourced() throws Exception {
        Optional<String> missing = Tools.missing("zsh", "zsh");
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());
        CliRunner.Result r = cli.run("completion", "zsh");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("#compdef npcnix\n");
        Path fpath = Files.createDirectories(tmp.resolve("site-functions"));
        Files.writeString(fpath.resolve("_npcnix"), r.out());

        String fromFpath = zshTyped("fpath=('" + fpath + "' $fpath); autoload -U compinit && compinit -u", "npcnix pu\t\t");
        assertThat(fromFpath).contains("publish", "pull", "push").doesNotContain("command not found");

        String sourced = zshTyped("autoload -U compinit && compinit -u; source '" + fpath.resolve("_npcnix") + "'", "npcnix pau\t");
        assertThat(sourced).contains("npcnix pause").doesNotContain("command not found");
    }

    /** What an interactive zsh shows after {@code setup} when {@code typed} is typed; waits up to 30 s for a completion to appear. */
    private String zshTyped(String setup, String typed) throws IOException, InterruptedException {
        Path driver = tmp.resolve("driver.zsh");
        Files.writeString(driver, """
                zmodload zsh/zpty
                zpty z 'zsh -f -i'
                zpty -w z 'PS1="> "; npcnix() { :; }; %s'
                zpty -n -w z $'%s'
                out=""
                for i in {1..300}; do
                  while zpty -r -t z chunk; do out+=$chunk; done
                  [[ $out == *$'%s'* ]] && break
                  sleep 0.1
                done
                zpty -d z
                print -r -- "$out"
                """.formatted(setup, typed.replace("\t", "\\t"), typed.startsWith("npcnix pu") ? "push" : "pause"));
        Process p = new ProcessBuilder("zsh", "-f", driver.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "");
    }

    @Test
    void anotherShellIsInvalidInput() {
        CliRunner.Result r = cli.run("completion", "fish");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("npcnix: completion: shell fish: not supported (bash or zsh)");
    }
}
