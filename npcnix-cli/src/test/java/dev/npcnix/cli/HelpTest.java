package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.npcnix.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What {@code --help} shows, for every command: as wide as the terminal, examples that can be copied
 * and pasted (never wrapped, each a command line the parser accepts), URIs never cut, whole summaries
 * in the command list, and no warning from picocli.
 */
class HelpTest {
    private static final Pattern URI = Pattern.compile("[a-z][a-z0-9+.-]*://[^\\s,;)'\"]+");

    private final CliRunner cli = new CliRunner();

    /** Every command of the tree once (aliases share a CommandLine), root first. */
    private List<CommandLine> everyCommand(int width) {
        CommandLine root = Cli.commandLine(cli.context());
        root.setUsageHelpAutoWidth(false); // no terminal in a test: the width is the one given
        root.setUsageHelpWidth(width);
        Map<CommandLine, Boolean> seen = new IdentityHashMap<>();
        List<CommandLine> all = new ArrayList<>();
        collect(root, seen, all);
        return all;
    }

    private static void collect(CommandLine cl, Map<CommandLine, Boolean> seen, List<CommandLine> all) {
        if (seen.put(cl, true) == null) {
            all.add(cl);
            cl.getSubcommands().values().forEach(sub -> collect(sub, seen, all));
        }
    }

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {55, 80, 132})
    void examplesAndUrisAreNeverBrokenAcrossLines(int width) {
        for (CommandLine cl : everyCommand(width)) {
            CommandSpec spec = cl.getCommandSpec();
            List<String> lines = cl.getUsageMessage().lines().toList();
            for (String footer : spec.usageMessage().footer()) {
                assertThat(lines).as("%s --help at %d columns", spec.qualifiedName(), width).contains(footer);
            }
            for (String uri : urisIn(spec)) {
                assertThat(lines).as("%s --help at %d columns keeps %s on one line", spec.qualifiedName(), width, uri)
                        .anySatisfy(line -> assertThat(line).contains(uri));
            }
            for (String line : lines) {
                if (!List.of(spec.usageMessage().footer()).contains(line) && !line.startsWith("Usage:")
                        && !line.startsWith(" ".repeat(6))) { // a synopsis continuation may run long
                    assertThat(line.length()).as("%s at %d columns: %s", spec.qualifiedName(), width, line).isLessThanOrEqualTo(width);
                }
            }
        }
    }

    private static List<String> urisIn(CommandSpec spec) {
        List<String> text = new ArrayList<>(List.of(spec.usageMessage().description()));
        for (OptionSpec option : spec.options()) {
            text.addAll(List.of(option.description()));
        }
        List<String> uris = new ArrayList<>();
        for (String t : text) {
            Matcher m = URI.matcher(t);
            while (m.find()) {
                uris.add(m.group().replaceAll("[.]$", ""));
            }
        }
        return uris;
    }

    @Test
    void helpWarnsAboutNothing() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine cl : everyCommand(80)) {
                assertThat(cl.getUsageMessage()).isNotBlank();
            }
            CliRunner.Result pack = cli.run("pack", "--help");
            assertThat(pack.code()).isZero();
            assertThat(pack.out()).contains("--format=%ct");
            assertThat(pack.err()).isEmpty();
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void theCommandListShowsEverySummaryWhole() {
        String help = cli.run("--help").out().replaceAll("\\s+", " ");
        for (CommandLine cl : everyCommand(80).get(0).getSubcommands().values()) {
            String summary = HelpLayout.summary(cl.getCommandSpec());
            assertThat(summary).as(cl.getCommandName()).endsWith(".");
            assertThat(help).contains(summary);
        }
    }

    @Test
    void everyExampleIsACommandLineTheParserAccepts() {
        int examples = 0;
        for (CommandLine cl : everyCommand(80)) {
            for (String footer : cl.getCommandSpec().usageMessage().footer()) {
                for (List<String> args : npcnixInvocations(footer)) {
                    examples++;
                    CommandLine fresh = Cli.commandLine(cli.context());
                    try {
                        fresh.parseArgs(args.toArray(String[]::new));
                    } catch (CommandLine.ParameterException e) {
                        throw new AssertionError("example of " + cl.getCommandSpec().qualifiedName() + ": " + footer + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        assertThat(examples).isGreaterThan(20);
    }

    @Test
    void theRetryExampleIsTheOneTheDocsGive() throws IOException {
        String operations = Files.readString(docs().resolve("operations.md"));
        CliRunner.Result help = cli.run("retry", "--help");
        List<String> examples = help.out().lines().dropWhile(l -> !l.equals("Examples:")).skip(1)
                .filter(l -> !l.isBlank()).toList();
        assertThat(examples).isNotEmpty().allSatisfy(example -> assertThat(operations).contains(example.strip()));
        assertThat(help.out()).doesNotContain("systemctl");
    }

    /** On a real terminal (script(1) gives the JVM one): the help is as wide as the terminal says. */
    @Test
    void helpIsAsWideAsTheTerminal() throws Exception {
        Optional<String> missing = Tools.missing("script", "bsdutils");
        assumeTrue(missing.isEmpty(), () -> missing.orElseThrow());

        List<String> narrow = helpOnTerminal(60, "pack");
        assertThat(narrow).filteredOn(l -> !l.contains("SOURCE_DATE_EPOCH") && !l.startsWith("Usage:"))
                .allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(60));

        List<String> wide = helpOnTerminal(160, "pack");
        assertThat(wide).anySatisfy(l -> assertThat(l).contains(
                "Pack only these top-level directories (repeatable; top-level files are always packed). Default: all."));
    }

    private static List<String> helpOnTerminal(int columns, String command) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c",
                "stty cols " + columns + " rows 50; exec '" + java + "' -XX:TieredStopAtLevel=1 " + Main.class.getName()
                        + " " + command + " --help",
                "/dev/null");
        pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "").lines().toList();
    }

    /**
     * The argument lists of the {@code npcnix} commands in one example line, as a POSIX shell would split
     * them: quotes and {@code $(…)} kept together, a command ending at {@code && || ; | ) >} or a comment.
     */
    static List<List<String>> npcnixInvocations(String example) {
        List<String> tokens = shellTokens(example);
        List<List<String>> invocations = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).equals("npcnix") || tokens.get(i).equals("<(npcnix")) {
                List<String> args = new ArrayList<>();
                for (int j = i + 1; j < tokens.size(); j++) {
                    String t = tokens.get(j);
                    if (List.of("&&", "||", ";", "|", ">", "#").contains(t) || t.startsWith("#")) {
                        break;
                    }
                    if (t.endsWith(")") && !t.startsWith("$(")) {
                        args.add(t.substring(0, t.length() - 1));
                        break;
                    }
                    args.add(t);
                }
                invocations.add(args);
            }
        }
        return invocations;
    }

    private static List<String> shellTokens(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    t.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '$' && i + 1 < line.length() && line.charAt(i + 1) == '(') {
                depth++;
                t.append(c);
            } else if (c == ')' && depth > 0) {
                depth--;
                t.append(c);
            } else if (Character.isWhitespace(c) && depth == 0) {
                if (t.length() > 0) {
                    tokens.add(t.toString());
                    t.setLength(0);
                }
            } else {
                t.append(c);
            }
        }
        if (t.length() > 0) {
            tokens.add(t.toString());
        }
        return tokens;
    }

    static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("docs"))) {
            dir = dir.getParent();
        }
        return dir.resolve("docs");
    }
}
