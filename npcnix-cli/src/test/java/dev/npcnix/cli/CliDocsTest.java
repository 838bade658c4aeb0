package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.TestClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docs/cli.md against picocli's model of the real command tree (read at test time, so commands and
 * options added later are checked too): every command has a section headed {@code ### `npcnix NAME …`},
 * every option of a command is named in its section, and a section names no option its commands lack.
 */
class CliDocsTest {
    private static final Path DOC = Path.of("..", "docs", "cli.md");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");

    @Test
    void everyCommandAndOptionIsDocumentedAndNothingElse() throws IOException {
        CommandLine root = Cli.commandLine(context());
        Map<String, CommandSpec> commands = new LinkedHashMap<>();
        collect(root, "", commands);
        Set<String> global = names(root.getCommandSpec().options());
        List<String> sections = sections(Files.readString(DOC));

        // A walk that finds nothing would pass vacuously.
        assertThat(commands).containsKeys("publish", "bootstrap", "follow", "keygen", "verify", "config set remote");

        List<String> problems = new ArrayList<>();
        for (var command : commands.entrySet()) {
            List<String> own = sections.stream().filter(s -> heads(s, command.getKey())).toList();
            if (own.isEmpty()) {
                problems.add("npcnix " + command.getKey() + ": no section headed ### `npcnix " + command.getKey() + " …`");
                continue;
            }
            String text = String.join("\n", own);
            for (OptionSpec option : command.getValue().options()) {
                String name = option.longestName();
                if (option.usageHelp() || option.versionHelp() || global.contains(name)) {
                    continue;
                }
                if (!Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])").matcher(text).find()) {
                    problems.add("npcnix " + command.getKey() + " " + name + ": not documented");
                }
            }
        }
        for (String section : sections) {
            Set<String> allowed = new TreeSet<>(global);
            commands.forEach((name, spec) -> {
                if (heads(section, name)) {
                    allowed.addAll(names(spec.options()));
                }
            });
            Matcher m = OPTION.matcher(section);
            while (m.find()) {
                if (!allowed.contains(m.group())) {
                    problems.add(firstLine(section) + ": documents " + m.group() + ", which its commands do not have");
                }
            }
        }
        assertThat(problems).as("docs/cli.md vs the commands").isEmpty();
    }

    @Test
    void cloudInitBootstrapSynopsisHasExactlyTheOptionsOfBootstrap() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "cloud-init.md"));
        int heading = doc.indexOf("## `npcnix bootstrap`");
        assertThat(heading).as("docs/cloud-init.md has a bootstrap synopsis").isNotNegative();
        int start = doc.indexOf("```", heading);
        String synopsis = doc.substring(start + 3, doc.indexOf("```", start + 3));
        Set<String> documented = new TreeSet<>();
        Matcher m = OPTION.matcher(synopsis);
        while (m.find()) {
            documented.add(m.group());
        }
        CommandLine root = Cli.commandLine(context());
        Set<String> global = names(root.getCommandSpec().options());
        Set<String> options = new TreeSet<>();
        for (OptionSpec option : root.getSubcommands().get("bootstrap").getCommandSpec().options()) {
            if (!option.usageHelp() && !option.versionHelp() && !global.contains(option.longestName())) {
                options.add(option.longestName());
            }
        }
        assertThat(documented).isEqualTo(options);
    }

    private static void collect(CommandLine cl, String prefix, Map<String, CommandSpec> out) {
        for (var sub : cl.getSubcommands().entrySet()) {
            CommandSpec spec = sub.getValue().getCommandSpec();
            if (!sub.getKey().equals(spec.name()) || spec.name().equals("help")) {
                continue; // aliases; picocli's own help command is covered by the root's --help
            }
            String name = prefix + spec.name();
            out.put(name, spec);
            collect(sub.getValue(), name + " ", out);
        }
    }

    /** Whether the section's heading names {@code npcnix COMMAND}, as a whole command name. */
    private static boolean heads(String section, String command) {
        return Pattern.compile("`npcnix " + Pattern.quote(command) + "(?=[ `\\[])").matcher(firstLine(section)).find();
    }

    private static List<String> sections(String doc) {
        List<String> sections = new ArrayList<>();
        StringBuilder current = null;
        for (String line : doc.split("\n", -1)) {
            if (line.startsWith("#")) {
                if (current != null) {
                    sections.add(current.toString());
                }
                current = line.startsWith("### ") ? new StringBuilder() : null;
            }
            if (current != null) {
                current.append(line).append('\n');
            }
        }
        if (current != null) {
            sections.add(current.toString());
        }
        return sections;
    }

    private static Set<String> names(List<OptionSpec> options) {
        Set<String> names = new TreeSet<>();
        options.forEach(o -> names.addAll(List.of(o.names())));
        return names;
    }

    private static String firstLine(String s) {
        return s.substring(0, s.indexOf('\n'));
    }

    private static CliContext context() {
        return new CliContext(Map.of(), TestClock.at("2026-03-01T12:00:00Z"), new SplittableRandom(1),
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), false, s -> { }, c -> { },
                Optional.empty());
    }
}
