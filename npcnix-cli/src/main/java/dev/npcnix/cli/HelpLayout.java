package dev.npcnix.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * How {@code --help} is laid out: as wide as the terminal ({@code usageHelpAutoWidth}), text wrapped at
 * spaces only, examples never wrapped. Picocli's own wrapping uses the JDK's line break rules, which
 * break after {@code :} and {@code /}, so {@code s3://bucket/key} came out as {@code s3:} and
 * {@code //bucket/key} on two lines; and it wrapped footers, so a copied example lost its second half.
 * Guarantees: every word of a description (a URI, an option name) is on one line; every footer line
 * (examples, the exit-code table) is printed exactly as written, without {@code %} formatting; the
 * command list shows each command's whole first description line.
 */
final class HelpLayout extends Help {
    /** Extra indent of a description's continuation lines, as picocli indents them. */
    private static final int CONTINUATION = 2;

    private final int width;

    private HelpLayout(CommandSpec spec, ColorScheme colorScheme) {
        super(spec, colorScheme);
        // Asked once: with auto width, picocli asks the terminal each time.
        this.width = spec.usageMessage().width();
    }

    /** Lays out the help of {@code cl} and of every subcommand added so far this way. */
    static void install(CommandLine cl) {
        cl.setUsageHelpAutoWidth(true);
        cl.setHelpFactory(new Factory());
    }

    /**
     * A class, not {@code HelpLayout::new}: picocli is Java 5 bytecode, and a lambda implementing one
     * of its interfaces links that interface while the class-data archive is made, which excludes the
     * interface, the lambda and what depends on them from the archive (the dump says "Old class has
     * been linked"); each start then loads them from the jar.
     */
    private static final class Factory implements CommandLine.IHelpFactory {
        @Override
        public Help create(CommandSpec spec, ColorScheme colorScheme) {
            return new HelpLayout(spec, colorScheme);
        }
    }

    @Override
    public String description(Object... params) {
        return paragraphs(commandSpec().usageMessage().description(), 0);
    }

    @Override
    public String footer(Object... params) {
        StringBuilder sb = new StringBuilder();
        for (String line : commandSpec().usageMessage().footer()) {
            sb.append(line).append(System.lineSeparator());
        }
        return sb.toString();
    }

    @Override
    public String commandList(Map<String, Help> subcommands) {
        List<Help> shown = subcommands.values().stream().filter(h -> !h.commandSpec().usageMessage().hidden()).toList();
        if (shown.isEmpty()) {
            return "";
        }
        int namesWidth = 0;
        for (Help h : shown) {
            namesWidth = Math.max(namesWidth, h.commandNamesText(", ").plainString().length());
        }
        int summaryColumn = 2 + namesWidth + 2;
        StringBuilder sb = new StringBuilder();
        for (Help h : shown) {
            Text names = h.commandNamesText(", ");
            sb.append("  ").append(names).append(" ".repeat(summaryColumn - 2 - names.plainString().length()));
            List<String> lines = wrap(summary(h.commandSpec()), Math.max(20, width - summaryColumn));
            sb.append(lines.get(0)).append(System.lineSeparator());
            for (String line : lines.subList(1, lines.size())) {
                sb.append(" ".repeat(summaryColumn + CONTINUATION)).append(line).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    @Override
    public Layout createDefaultLayout() {
        return wordWrapping(super.createDefaultLayout());
    }

    @Override
    public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
        return wordWrapping(super.createDefaultLayout(options, positionals, scheme));
    }

    /** A command's one-line summary: its header, else its first description line. */
    static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String[] description = spec.usageMessage().description();
        return header.length > 0 ? header[0] : description.length > 0 ? description[0] : "";
    }

    private String paragraphs(String[] text, int indent) {
        StringBuilder sb = new StringBuilder();
        for (String paragraph : text) {
            for (String line : wrap(paragraph, width - indent)) {
                sb.append(" ".repeat(indent)).append(line).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    private static Layout wordWrapping(Layout layout) {
        return new Layout(layout.colorScheme(), layout.textTable(), layout.optionRenderer(), layout.parameterRenderer()) {
            @Override
            public void layout(ArgSpec arg, Text[][] cellValues) {
                super.layout(arg, wrapLastColumn(table, colorScheme, cellValues));
            }
        };
    }

    /**
     * The rows with their last (description) column cut at spaces to fit, continuation lines on rows of
     * their own: picocli then has nothing left to break.
     */
    private static Text[][] wrapLastColumn(TextTable table, ColorScheme scheme, Text[][] rows) {
        Column column = table.columns()[table.columns().length - 1];
        int fits = Math.max(10, column.width - column.indent - 1);
        List<Text[]> out = new ArrayList<>();
        for (Text[] row : rows) {
            Text description = row[row.length - 1];
            String plain = description.plainString();
            if (plain.length() <= fits) {
                out.add(row);
                continue;
            }
            List<String> lines = wrap(plain, fits - CONTINUATION);
            Text[] first = row.clone();
            first[row.length - 1] = scheme.text(lines.get(0));
            out.add(first);
            for (String line : lines.subList(1, lines.size())) {
                Text[] next = new Text[row.length];
                for (int i = 0; i < next.length - 1; i++) {
                    next[i] = scheme.text("");
                }
                next[row.length - 1] = scheme.text(" ".repeat(CONTINUATION) + line);
                out.add(next);
            }
        }
        return out.toArray(new Text[0][]);
    }

    /**
     * {@code text} in lines of at most {@code width} characters, broken at spaces only (a longer word
     * gets a line of its own, whole). Hand-written: picocli's breaking is what this class replaces, and
     * commons-text's {@code WordUtils.wrap} would be a new dependency for these lines.
     */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.strip().split(" +")) {
                if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                if (line.length() > 0) {
                    line.append(' ');
                }
                line.append(word);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
