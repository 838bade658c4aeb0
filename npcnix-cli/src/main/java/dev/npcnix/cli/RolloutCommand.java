package dev.npcnix.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.StateException;
import dev.npcnix.json.Json;
import dev.npcnix.rollout.GateRule;
import dev.npcnix.rollout.RolloutBoard;
import dev.npcnix.rollout.RolloutFile;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.rollout.RolloutPolicyJson;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollout", mixinStandardHelpOptions = true, addMethodSubcommands = false,
        description = "The staged rollout of a remote's current release: watch it, halt it, resume it (docs/rollouts.md).",
        subcommands = {RolloutCommand.Status.class, RolloutCommand.Halt.class, RolloutCommand.Resume.class},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix rollout status --remote s3://acme-config/npcnix/remotes/prod.npcnix",
            "  npcnix rollout halt --remote s3://acme-config/npcnix/remotes/prod.npcnix --reason 'latency up in eu-west-1'",
            "  npcnix rollout resume --remote s3://acme-config/npcnix/remotes/prod.npcnix"})
final class RolloutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(NpcnixCommand.root(spec).ctx.err());
        return ExitCodes.INVALID_INPUT;
    }

    /** The options every subcommand has: which remote, which rollout. */
    static final class Target {
        @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
                description = "The remote whose rollout to act on.")
        RemoteUri remote;

        @Option(names = "--id", paramLabel = "ID",
                description = "The rollout (a signed release's sequence, or 12 hex of its SHA-256; default: the latest, from <remote>.rollout.json).")
        String id;

        @Mixin
        StoreOptions storeOptions;

        /** The rollout file, required unless {@code --id} is given (then optional: it gives the policy). */
        Optional<RolloutFile> file(RemoteStore store) {
            Optional<RolloutFile> file = RolloutFile.read(store, remote);
            if (file.isEmpty() && id == null) {
                throw new StateException("remote " + remote + ": no staged rollout (no " + RolloutFile.SUFFIX
                        + "; publish with --canary/--waves or --rollout starts one)");
            }
            return file.filter(f -> id == null || f.rolloutId().equals(id));
        }

        /** Runs {@code body} on the board of the addressed rollout, the store open meanwhile. */
        int onBoard(CommandSpec spec, java.util.function.BiFunction<CliContext, RolloutBoard, Integer> body) {
            NpcnixCommand root = NpcnixCommand.root(spec);
            try (RemoteStores stores = root.stores(storeOptions.settings(root.ctx.env(), Settings.empty()))) {
                RemoteStore store = stores.forRemote(remote);
                return body.apply(root.ctx, new RolloutBoard(store, remote, rolloutId(file(store))));
            }
        }

        String rolloutId(Optional<RolloutFile> file) {
            try {
                return RolloutBoard.requireId(id != null ? id : file.orElseThrow().rolloutId());
            } catch (IllegalArgumentException e) {
                throw new dev.npcnix.InvalidInputException("--id " + id + ": expected a sequence number or 12 hex digits");
            }
        }
    }

    static String operator(CliContext ctx) {
        return "operator:" + PublishCommand.defaultPublisher(ctx);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
            description = {
                "The rollout's waves from one listing of <remote>.rollout/<id>/: hosts per wave that joined, applied, failed, are silent"
                    + " or still waiting; whether each wave is open, soaking (and for how long) or waiting on hosts; in-flight leases;"
                    + " who halted it and why.",
                "Exit 0 while it goes on or is done, 1 when it is halted, 3 when the remote has no staged rollout."},
            footerHeading = "%nExamples:%n",
            footer = {"  npcnix rollout status --remote s3://acme-config/npcnix/remotes/prod.npcnix",
                "  npcnix rollout status --remote file:///srv/npcnix/dev.npcnix --json | jq '.waves[] | {wave, open, applied}'"})
    static final class Status implements Callable<Integer> {
        static final int SCHEMA = 1;

        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--json", description = "Print as JSON (schema 1, docs/rollouts.md).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            NpcnixCommand root = NpcnixCommand.root(spec);
            CliContext ctx = root.ctx;
            try (RemoteStores stores = root.stores(target.storeOptions.settings(ctx.env(), Settings.empty()))) {
                RemoteStore store = stores.forRemote(target.remote);
                Optional<RolloutFile> file = target.file(store);
                String id = target.rolloutId(file);
                RolloutBoard board = new RolloutBoard(store, target.remote, id);
                RolloutBoard.Snapshot snapshot = board.snapshot();
                Optional<RolloutBoard.Halt> halt = snapshot.halted().isPresent() ? board.readHalt() : Optional.empty();
                // the reader's clock: only the soak countdown uses it (hosts decide with the store's clock)
                Instant now = ctx.clock().instant();
                Optional<RolloutPolicy> policy = file.map(RolloutFile::policy);
                List<GateRule.WaveView> waves = policy.map(p -> GateRule.waves(p, snapshot, now)).orElse(List.of());
                long leases = policy.map(p -> snapshot.leases().values().stream()
                        .filter(l -> l.takenAt().plus(p.leaseTtl()).isAfter(now)).count()).orElse((long) snapshot.leases().size());
                if (json) {
                    ctx.out().println(Json.writeString(g -> writeJson(g, target.remote, id, file, snapshot, halt, waves, leases, now)));
                } else {
                    print(ctx.out(), target.remote, id, file, snapshot, halt, waves, leases, now);
                }
                return halt.isPresent() || snapshot.halted().isPresent() ? ExitCodes.FAILURE : ExitCodes.OK;
            }
        }

        private static void print(PrintWriter out, RemoteUri remote, String id, Optional<RolloutFile> file, RolloutBoard.Snapshot s,
                Optional<RolloutBoard.Halt> halt, List<GateRule.WaveView> waves, long leases, Instant now) {
            out.printf("rollout %s of %s%n", id, remote);
            file.ifPresent(f -> {
                out.printf("  release  sha256 %s, published %s by %s%n", f.releaseSha256().substring(0, 12), f.publishedAt(), f.publisher());
                out.printf("  policy   %s%n", f.policy().describe());
            });
            if (file.isEmpty()) {
                out.println("  policy   unknown (" + RolloutFile.SUFFIX + " is about another release): markers only");
            }
            halt.ifPresent(h -> out.printf("  HALTED   by %s%s at %s: %s%n", h.by(), h.wave() >= 0 ? " in wave " + h.wave() : "", h.at(),
                    h.reason()));
            s.resumed().ifPresent(t -> out.printf("  resumed  at %s%n", t));
            out.printf("  leases   %d in flight%s%n", leases, file.map(f -> f.policy().maxInFlight() > 0
                    ? " (max " + f.policy().maxInFlight() + ")" : " (no limit)").orElse(""));
            out.printf("%-5s %-16s %-7s %-8s %-7s %-7s %-8s %s%n", "WAVE", "HOSTS", "JOINED", "APPLIED", "FAILED", "SILENT", "WAITING",
                    "STATE");
            for (GateRule.WaveView w : waves) {
                String state = halt.isPresent() || s.halted().isPresent() ? "halted"
                        : w.open() ? (w.pending() == 0 && !w.joined().isEmpty() ? "open, done" : "open")
                        : w.opensAt().isPresent() ? "soaking, opens in " + Durations.format(Duration.between(now, w.opensAt().get()))
                        : "closed: " + w.reason();
                out.printf("%-5d %-16s %-7d %-8d %-7s %-7d %-8d %s%n", w.wave(), w.policy().describe(), w.joined().size(),
                        w.applied().size(), w.failed().size() + (w.policy().failureBudget() > 0 ? "/" + w.policy().failureBudget() : ""),
                        w.silent().size(), w.pending(), state);
            }
            for (GateRule.WaveView w : waves) {
                if (!w.failed().isEmpty()) {
                    out.printf("  wave %d failed:  %s%n", w.wave(), String.join(" ", w.failed()));
                }
                if (!w.silent().isEmpty()) {
                    out.printf("  wave %d silent:  %s%n", w.wave(), String.join(" ", w.silent()));
                }
            }
        }

        private static void writeJson(JsonGenerator g, RemoteUri remote, String id, Optional<RolloutFile> file,
                RolloutBoard.Snapshot s, Optional<RolloutBoard.Halt> halt, List<GateRule.WaveView> waves, long leases, Instant now)
                throws IOException {
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA);
            g.writeStringField("remote", remote.toString());
            g.writeStringField("rollout_id", id);
            g.writeStringField("release_sha256", file.map(RolloutFile::releaseSha256).orElse(null));
            if (file.isPresent()) {
                g.writeFieldName("policy");
                RolloutPolicyJson.write(g, file.get().policy());
            } else {
                g.writeNullField("policy");
            }
            g.writeBooleanField("halted", s.halted().isPresent());
            if (halt.isPresent()) {
                g.writeObjectFieldStart("halt");
                Json.field(g, "by", halt.get().by());
                if (halt.get().wave() >= 0) {
                    g.writeNumberField("wave", halt.get().wave());
                } else {
                    g.writeNullField("wave");
                }
                Json.field(g, "reason", halt.get().reason());
                Json.field(g, "at", halt.get().at());
                g.writeEndObject();
            } else {
                g.writeNullField("halt");
            }
            g.writeStringField("resumed_at", s.resumed().map(Instant::toString).orElse(null));
            g.writeNumberField("leases_in_flight", leases);
            g.writeArrayFieldStart("waves");
            for (GateRule.WaveView w : waves) {
                g.writeStartObject();
                g.writeNumberField("wave", w.wave());
                g.writeBooleanField("open", w.open());
                g.writeStringField("opens_at", w.opensAt().map(Instant::toString).orElse(null));
                g.writeNumberField("soak_remaining_secs", w.open() || w.opensAt().isEmpty() ? 0
                        : Math.max(0, Duration.between(now, w.opensAt().get()).toSeconds()));
                g.writeStringField("reason", w.reason().isEmpty() ? null : w.reason());
                writeHosts(g, "joined", w.joined());
                writeHosts(g, "applied", w.applied());
                writeHosts(g, "failed", w.failed());
                writeHosts(g, "silent", w.silent());
                writeHosts(g, "waiting", w.waiting());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }

        private static void writeHosts(JsonGenerator g, String name, java.util.Set<String> hosts) throws IOException {
            g.writeArrayFieldStart(name);
            for (String h : hosts) {
                g.writeString(h);
            }
            g.writeEndArray();
        }
    }

    @Command(name = "halt", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
            description = {"Stop the rollout: no host activates its release any more (each sees the halt at its next poll);"
                + " hosts that applied it keep it, or switch back when the policy says on_halt rollback.",
                "Writes <remote>.rollout/<id>/halt once: when the rollout is halted already, the first reason stays (exit 0 either way)."},
            footerHeading = "%nExamples:%n",
            footer = {"  npcnix rollout halt --remote s3://acme-config/npcnix/remotes/prod.npcnix --reason 'error rate up'"})
    static final class Halt implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--reason", paramLabel = "TEXT", required = true, description = "Why, for everyone who looks at the rollout.")
        String reason;

        @Override
        public Integer call() {
            return target.onBoard(spec, (ctx, board) -> {
                if (board.halt(new RolloutBoard.Halt(operator(ctx), -1, reason, ctx.clock().instant()))) {
                    ctx.out().printf("halted rollout %s of %s%n", board.rolloutId(), target.remote);
                } else {
                    RolloutBoard.Halt h = board.readHalt().orElse(null);
                    ctx.out().printf("rollout %s of %s was halted already%s%n", board.rolloutId(), target.remote,
                            h == null ? "" : " by " + h.by() + ": " + h.reason());
                }
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
            description = {"Lift a halt: waiting hosts go on at their next poll. Failures before the resume no longer count against"
                + " their wave's budget; a new failure beyond it halts the rollout again."},
            footerHeading = "%nExamples:%n",
            footer = {"  npcnix rollout resume --remote s3://acme-config/npcnix/remotes/prod.npcnix"})
    static final class Resume implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.onBoard(spec, (ctx, board) -> {
                boolean wasHalted = board.readHalt().isPresent();
                board.resume(operator(ctx), ctx.clock().instant());
                ctx.out().printf(wasHalted ? "resumed rollout %s of %s%n" : "rollout %s of %s was not halted; failures so far are forgiven%n",
                        board.rolloutId(), target.remote);
                return ExitCodes.OK;
            });
        }
    }
}
