package dev.npcnix.publish;

import dev.npcnix.InvalidInputException;
import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.PackProgress;
import dev.npcnix.archive.PackResult;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.archive.UnpackedEntry;
import dev.npcnix.local.Digests;
import dev.npcnix.sign.Manifest;
import dev.npcnix.sign.ManifestVerifier;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.sign.SignatureException;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a signed release. The manifest must list exactly what hosts will unpack, so it is computed
 * from the packed archive itself: pack, unpack into a work dir (listing what it creates), add the signed
 * {@code .npcnix/} files, pack the work dir (packing is deterministic, so the content entries are
 * byte-identical to the first pack).
 */
final class ManifestSigner {
    private static final Logger log = LoggerFactory.getLogger(ManifestSigner.class);

    /** Either the remote already holds this tree signed by this key, or the signed archive was written. */
    record Outcome(Optional<PublishResult> unchanged, PackResult packed, long sequence) {
    }

    private ManifestSigner() {
    }

    static Outcome packSigned(Path src, RemoteUri remote, PackOptions options, Signing signing,
            Optional<dev.npcnix.rollout.RolloutPolicy> rollout, RemoteStore store, Path work, Path target, PackProgress packing)
            throws IOException {
        if (Files.exists(src.resolve(Manifest.DIR), LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("flake source " + src + ": " + Manifest.DIR + "/ is reserved for npcnix's signed manifest");
        }
        Path first = work.resolve("unsigned.npcnix");
        PackResult packed;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(first), 1 << 16)) {
            packed = FlakeArchive.pack(src, out, options, packing);
        }
        Path tree = work.resolve("tree");
        List<UnpackedEntry> unpacked = new ArrayList<>();
        try (InputStream in = Files.newInputStream(first)) {
            FlakeArchive.unpack(in, tree, UnpackLimits.defaults(), unpacked::add); // hashed as written: no second pass
        }
        Files.delete(first);
        Map<String, Manifest.Entry> entries = ManifestVerifier.entries(unpacked);

        long previous = 0;
        Optional<RemoteObject> existing = Publisher.existing(store, remote);
        if (existing.isPresent()) {
            Path currentDir = work.resolve("current");
            Optional<Manifest> current = currentManifest(store, remote, currentDir);
            if (current.isPresent()) {
                previous = current.get().sequence();
                if (current.get().entries().equals(entries) && java.util.Objects.equals(current.get().rollout(), rollout.orElse(null))
                        && isIntactAndOurs(currentDir, remote, signing)) {
                    log.info("remote {} already holds this tree signed by {} (sequence {})", remote, signing.key().name(), previous);
                    String sha;
                    try (InputStream in = Files.newInputStream(work.resolve("current.npcnix"))) {
                        sha = Digests.sha256Hex(in);
                    }
                    return new Outcome(Optional.of(new PublishResult(remote, existing.get().etag(), sha, existing.get().size(),
                            entries.size(), true)), packed, previous);
                }
            }
        }
        long sequence = Math.max(signing.clock().millis(), previous + 1);
        Manifest manifest = new Manifest(1, remote.toString(), sequence, signing.clock().instant().toString(),
                signing.publisher(), signing.sourceRevision().orElse(null), entries, rollout.orElse(null));
        byte[] json = manifest.toJson();
        Files.createDirectories(tree.resolve(Manifest.DIR));
        Files.write(tree.resolve(Manifest.FILE), json);
        Files.writeString(tree.resolve(Manifest.SIGNATURE), signing.key().sign(json) + "\n", StandardCharsets.US_ASCII);
        PackResult signed;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
            signed = FlakeArchive.pack(tree, out, options.withIncludes(Set.of()));
        }
        log.info("signed release for {} with key {}, sequence {}", remote, signing.key().name(), sequence);
        return new Outcome(Optional.empty(), new PackResult(signed.entries(), signed.contentBytes(), packed.warnings()), sequence);
    }

    /** The manifest of the release the remote holds now, unverified (only used to compare and to pick a sequence). */
    private static Optional<Manifest> currentManifest(RemoteStore store, RemoteUri remote, Path dir) throws IOException {
        Path archive = dir.resolveSibling("current.npcnix");
        try (FetchResult.Download d = (FetchResult.Download) store.fetch(remote, Optional.empty())) {
            Files.copy(d.body(), archive);
        }
        return ReleaseHistory.manifestOf(archive, dir);
    }

    /** Whether the remote's current release verifies with our own key, for this remote (so it needs no republish). */
    private static boolean isIntactAndOurs(Path dir, RemoteUri remote, Signing signing) {
        try {
            new ManifestVerifier(java.util.List.of(NixKeys.parsePublic(signing.key().publicKeyText())))
                    .check(dir, "current release of " + remote, Optional.of(remote));
            return true;
        } catch (SignatureException e) {
            log.warn("remote {}: current release does not verify ({}); publishing a new one", remote, e.getMessage());
            return false;
        }
    }
}
