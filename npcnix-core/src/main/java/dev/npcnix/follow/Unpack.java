package dev.npcnix.follow;

import dev.npcnix.archive.ArchiveException;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.archive.UnpackedEntry;
import dev.npcnix.local.LocalException;
import dev.npcnix.local.LocalFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Stage 4, {@link Download.ReleaseFile} → {@link VerifiedFlake}: unpacks the archive safely next to it,
 * checks it is a flake and verifies it, in one pass over the bytes: the unpacker hashes each file as it
 * writes it and reports it to the verifier's entry list. A hostile or corrupt archive is the release's
 * fault ({@link ArchiveException}, deterministic); a disk that fills up is the host's ({@link LocalException}).
 */
final class Unpack implements Stage<Download.ReleaseFile, Unpack.VerifiedFlake> {

    /** An unpacked, verified release ready to activate; {@code sequence} is its signed sequence number, if any. */
    record VerifiedFlake(Path dir, Release release, OptionalLong sequence) implements Pipeline.ReleaseBound {
    }

    private final UnpackLimits limits;
    private final ReleaseVerifier verifier;

    Unpack(UnpackLimits limits, ReleaseVerifier verifier) {
        this.limits = limits;
        this.verifier = verifier;
    }

    @Override
    public Step<VerifiedFlake> run(Download.ReleaseFile file, Poll poll) {
        Path flake = file.archive().resolveSibling("flake");
        List<UnpackedEntry> entries = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file.archive())) {
            if (verifier.inspectsEntries()) {
                FlakeArchive.unpack(in, flake, limits, entries::add);
            } else {
                FlakeArchive.unpack(in, flake, limits);
            }
        } catch (IOException e) {
            throw new LocalException(file.archive(), "cannot read the download", e);
        } catch (ArchiveException e) {
            if (e.isTransient()) { // the machinery, not the bytes: reading tmp/ or writing the tree failed
                throw new LocalException(flake, "cannot unpack", e.getCause() != null ? e.getCause() : e);
            }
            throw e;
        }
        LocalFiles.deleteQuietly(file.archive()); // room for the build
        FlakeArchive.requireFlake(flake);
        OptionalLong sequence = verifier.verify(new UnpackedFlake(flake, file.release(), entries), poll.state());
        return Step.next(new VerifiedFlake(flake, file.release(), sequence));
    }
}
