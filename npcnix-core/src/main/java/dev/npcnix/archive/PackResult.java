package dev.npcnix.archive;

import java.util.List;

/**
 * What a pack wrote.
 *
 * @param entries entries written (files, directories, symlinks)
 * @param contentBytes bytes of file content before compression
 * @param warnings what was skipped and why (absolute or escaping symlinks, special files)
 */
public record PackResult(int entries, long contentBytes, List<String> warnings) {
    public PackResult {
        warnings = List.copyOf(warnings);
    }
}
