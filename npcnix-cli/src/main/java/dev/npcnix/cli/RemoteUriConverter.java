package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.store.RemoteUri;
import picocli.CommandLine;

/** {@code --remote} values, validated by {@link RemoteUri}; bad ones are exit code 2. */
final class RemoteUriConverter implements CommandLine.ITypeConverter<RemoteUri> {
    @Override
    public RemoteUri convert(String value) {
        try {
            return RemoteUri.parse(value);
        } catch (InvalidInputException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
