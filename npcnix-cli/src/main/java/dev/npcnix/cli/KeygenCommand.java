package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.sign.NixKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
        description = {
            "Create an Ed25519 key pair for signing releases, in Nix's key format.",
            "Keys are name:base64, interchangeable with nix key generate-secret and nix key convert-secret-to-public. "
                + "The secret key file is created 0600 and never overwritten; the public key is printed."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  npcnix keygen --name ci.example.com-1 --secret-key ci.sec --public-key ci.pub",
            "  npcnix publish --src . --remote s3://acme-config/prod.npcnix --sign-key ci.sec",
            "  npcnix bootstrap --remote s3://acme-config/prod.npcnix --configuration web --trusted-public-keys \"$(cat ci.pub)\""})
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "Key name, e.g. ci.example.com-1.")
    String name;

    @Option(names = "--secret-key", paramLabel = "FILE", required = true, description = "Where to write the secret key (0600, must not exist).")
    Path secretKey;

    @Option(names = "--public-key", paramLabel = "FILE", description = "Also write the public key here.")
    Path publicKey;

    @Override
    public Integer call() throws IOException {
        NpcnixCommand root = NpcnixCommand.root(spec);
        NixKeys.SecretKey key = NixKeys.generate(name);
        try {
            Files.writeString(Files.createFile(secretKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    key.text() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException("secret key " + secretKey + ": exists already (not overwriting a key)", e);
        }
        if (publicKey != null) {
            Files.writeString(publicKey, key.publicKeyText() + "\n", StandardCharsets.US_ASCII);
        }
        root.ctx.out().println(key.publicKeyText());
        return ExitCodes.OK;
    }

    /** Reads a secret key file; its content never appears in an error. */
    static NixKeys.SecretKey readSecret(Path file) {
        try {
            return NixKeys.parseSecret(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new InvalidInputException("secret key " + file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
