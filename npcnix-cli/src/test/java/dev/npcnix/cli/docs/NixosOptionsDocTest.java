package dev.npcnix.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the NixOS module's options and their documentation in step: every option declared
 * in {@code nixos-module/options.nix} must appear as {@code services.npcnix.<name>} in
 * {@code docs/nixos-module.md}. Nix cannot be evaluated in this build, so the declarations
 * are found by their shape ({@code name = mkOption …}, {@code mkEnableOption},
 * {@code mkPackageOption}). Paths are relative to the module directory, Surefire's working
 * directory.
 */
class NixosOptionsDocTest {

    private static final Path OPTIONS = Path.of("..", "nixos-module", "options.nix");
    private static final Path DOC = Path.of("..", "docs", "nixos-module.md");

    private static final String NAME = "[A-Za-z_][A-Za-z0-9_'-]*";
    private static final Pattern DECLARATION = Pattern.compile(
            "(?<![A-Za-z0-9_'.-])(" + NAME + "(?:\\." + NAME + ")*)\\s*=\\s*(?:lib\\.)?"
                    + "mk(?:Option|EnableOption|PackageOption)\\b");
    private static final Pattern LINE_COMMENT = Pattern.compile("(?m)^\\s*#.*$");

    @Test
    void everyModuleOptionIsDocumented() throws IOException {
        Set<String> options = declaredOptions(Files.readString(OPTIONS));
        String doc = Files.readString(DOC);

        // A parser that finds nothing would pass vacuously: pin a few known options.
        assertThat(options).contains("enable", "package", "remote", "configuration", "dataDir");

        List<String> undocumented = new ArrayList<>();
        for (String option : options) {
            Pattern mention = Pattern.compile(
                    "services\\.npcnix\\." + Pattern.quote(option) + "(?![A-Za-z0-9_'-])");
            if (!mention.matcher(doc).find()) {
                undocumented.add("services.npcnix." + option);
            }
        }
        assertThat(undocumented)
                .as("options declared in %s but not documented in %s", OPTIONS, DOC)
                .isEmpty();
    }

    @Test
    void declarationsAreFoundByTheirShape() {
        String nix = """
                {
                  options.services.npcnix = {
                    enable = mkEnableOption "x";
                    package = lib.mkPackageOption pkgs "npcnix" { };
                    remote = mkOption { type = types.nullOr types.str; };
                    # retired = mkOption { };
                    nested.value = lib.mkOption { };
                    notAnOption = mkIf true { };
                  };
                }
                """;
        assertThat(declaredOptions(nix))
                .containsExactly("enable", "package", "remote", "nested.value");
    }

    private static Set<String> declaredOptions(String nix) {
        Matcher matcher = DECLARATION.matcher(LINE_COMMENT.matcher(nix).replaceAll(""));
        Set<String> names = new LinkedHashSet<>();
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
