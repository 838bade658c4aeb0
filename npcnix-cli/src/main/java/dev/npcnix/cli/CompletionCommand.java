package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code npcnix completion bash|zsh}: the completion script for every command and option, made by
 * picocli's {@link AutoComplete} from the same model the parser uses, so it cannot fall behind.
 * picocli writes a bash script that zsh runs through {@code bashcompinit}; for zsh it is wrapped so that
 * it also works as {@code _npcnix} in a directory of {@code $fpath}, where packages install it.
 */
@Command(name = "completion", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = {
            "Print the shell completion script for bash or zsh.",
            "Packages install it as share/bash-completion/completions/npcnix and share/zsh/site-functions/_npcnix; "
                + "without a package, load it from your shell's startup file."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  source <(npcnix completion bash)      # in ~/.bashrc",
            "  source <(npcnix completion zsh)       # in ~/.zshrc",
            "  npcnix completion bash > /etc/bash_completion.d/npcnix"})
final class CompletionCommand implements Callable<Integer> {
    /** Before picocli's script: the #compdef tag that makes compinit autoload the file as _npcnix. */
    private static final String ZSH_HEAD = """
            #compdef npcnix
            # zsh completion for npcnix: picocli's bash completion, run through zsh's bashcompinit.
            # Works sourced (source <(npcnix completion zsh)) and as _npcnix in a directory of $fpath.
            autoload -U +X bashcompinit && bashcompinit
            # bashcompinit has no compopt; picocli's script aliases one, which the functions of an
            # autoloaded file, parsed before the alias exists, do not see. Its options do not apply here.
            (( $+functions[compopt] )) || compopt() { : }

            """;
    /**
     * After it: when compinit autoloaded this file as the completion function {@code _npcnix}, the script
     * has just defined the bash function and bound it (replacing {@code _npcnix}); complete this first
     * request with it too.
     */
    private static final String ZSH_TAIL = """

            if [[ "${funcstack[1]-}" == _npcnix ]]; then
              _bash_complete -o default -F _complete_npcnix
            fi
            """;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    String shell;

    @Override
    public Integer call() {
        NpcnixCommand root = NpcnixCommand.root(spec);
        String bash = AutoComplete.bash("npcnix", Cli.commandLine(root.ctx));
        String script = switch (shell) {
            case "bash" -> bash;
            case "zsh" -> ZSH_HEAD + bash + ZSH_TAIL;
            default -> throw new InvalidInputException("completion: shell " + shell + ": not supported (bash or zsh)");
        };
        root.ctx.out().print(script);
        return ExitCodes.OK;
    }
}
