package dev.npcnix.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.npcnix.fleet.FleetView;
import dev.npcnix.fleet.HostReport;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.json.Json;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "fleet", mixinStandardHelpOptions = true, addMethodSubcommands = false, description = "The hosts following a remote, as their reports in the store say.",
        subcommands = {FleetCommand.Status.class},
        footerHeading = "%nExamples:%n",
        footer = {"  npcnix fleet status --remote s3://acme-config/npcnix/remotes/prod.npcnix"})
final class FleetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(NpcnixCommand.root(spec).ctx.err());
        return ExitCodes.INVALID_INPUT;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, addMethodSubcommands = false, sortOptions = false,
            description = {
                "One row per host reporting to <remote>.hosts/: configuration, applied release, state, age of its report, last error;"
                    + " then a summary. States: in sync, behind, activating, failing, rolled back, quarantined, paused, reboot pending,"
                    + " silent (its report is overdue), not bootstrapped, waiting (a staged rollout holds the release back).",
                "Exit 1 when any host is failing, rolled back, quarantined or silent: usable from CI after a publish."},
            footerHeading = "%nExamples:%n",
            footer = {
                "  npcnix fleet status --remote s3://acme-config/npcnix/remotes/prod.npcnix",
                "  npcnix fleet status --remote s3://acme-config/npcnix/remotes/prod.npcnix --wait-converged 30m",
                "  npcnix fleet status --remote file:///srv/npcnix/dev.npcnix --json | jq '.hosts[] | select(.state != \"in_sync\")'"})
    static final class Status implements Callable<Integer> {
        /** The version of the {@code --json} schema; a change that breaks a reader raises it. */
        static final int SCHEMA = 1;

        @Spec
        CommandSpec spec;

        @Option(names = "--remote", paramLabel = "URI", required = true, converter = RemoteUriConverter.class,
                description = "The remote whose hosts to show (s3:// or file://; an http(s):// store cannot be listed).")
        RemoteUri remote;

        @Mixin
        StoreOptions storeOptions;

        @Option(names = "--json", description = "Print as JSON (schema 1, docs/operations.md).")
        boolean json;

        @Option(names = "--watch", description = "Show the fleet again every --interval until interrupted.")
        boolean watch;

        @Option(names = "--wait-converged", paramLabel = "TIMEOUT", converter = Durations.class,
                description = "Read again every --interval until every host is in sync (exit 0), one fails or falls silent (exit 1), or TIMEOUT passes (exit 1).")
        Duration waitConverged;

        @Option(names = "--interval", paramLabel = "DURATION", converter = Durations.class, defaultValue = "10s",
                description = "How often --watch and --wait-converged read the reports again (default ${DEFAULT-VALUE}).")
        Duration interval;

        @Override
        public Integer call() throws InterruptedException {
            NpcnixCommand root = NpcnixCommand.root(spec);
            CliContext ctx = root.ctx;
            if (watch && waitConverged != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--watch and --wait-converged: choose one");
            }
            if (interval.isZero() || interval.isNegative()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--interval: must be positive");
            }
            Sleeper sleeper = ctx.sleeper().orElse(Sleeper.system());
            try (RemoteStores stores = root.stores(storeOptions.settings(ctx.env(), Settings.empty()))) {
                Instant deadline = waitConverged == null ? null : ctx.clock().instant().plus(waitConverged);
                while (true) {
                    FleetView.Snapshot view = FleetView.read(stores.forRemote(remote), remote, ctx.clock());
                    boolean last = !watch && (deadline == null || view.converged() || view.anyFailure()
                            || !ctx.clock().instant().isBefore(deadline));
                    if (watch && ctx.interactive() && !json) {
                        ctx.out().print("\033[H\033[2J"); // a terminal shows the latest view only
                    }
                    print(ctx.out(), view);
                    ctx.out().flush();
                    if (last) {
                        if (deadline != null && !view.converged() && !view.anyFailure()) {
                            ctx.err().println("npcnix: fleet of " + remote + ": not converged after "
                                    + Durations.format(waitConverged) + " (" + summary(view) + ")");
                        }
                        return view.anyFailure() || (deadline != null && !view.converged()) ? ExitCodes.FAILURE : ExitCodes.OK;
                    }
                    try {
                        sleeper.sleep(deadline == null ? interval : min(interval, Duration.between(ctx.clock().instant(), deadline)));
                    } catch (InterruptedException e) {
                        if (watch) {
                            return view.anyFailure() ? ExitCodes.FAILURE : ExitCodes.OK; // Ctrl-C ends a watch
                        }
                        throw e;
                    }
                }
            }
        }

        private static Duration min(Duration a, Duration b) {
            return b.isNegative() ? Duration.ZERO : a.compareTo(b) <= 0 ? a : b;
        }

        private void print(PrintWriter out, FleetView.Snapshot view) {
            if (json) {
                out.println(Json.writeString(g -> writeJson(g, view)));
                return;
            }
            out.printf("remote %s: %s%n", view.remote(), view.current().map(c -> "release " + c.etag()
                    + c.lastModified().map(t -> " (published " + t + ")").orElse("")).orElse("no release published"));
            if (view.rows().isEmpty()) {
                out.printf("no host reports in %s%n", view.remote().sibling(".hosts/x").toString().replaceAll("x$", ""));
                return;
            }
            List<String[]> table = new ArrayList<>();
            table.add(new String[] {"HOST", "CONFIGURATION", "APPLIED", "STATE", "AGE", "LAST ERROR"});
            for (FleetView.Row r : view.rows()) {
                HostReport rep = r.report();
                table.add(new String[] {
                    r.hostId().value(),
                    rep == null || rep.configuration() == null ? "-" : rep.configuration().toString(),
                    rep == null || rep.applied() == null || rep.applied().release().etag() == null ? "-"
                            : shortId(rep.applied().release().etag().value()),
                    r.state().label(),
                    r.age() == null ? "-" : Durations.format(r.age()),
                    lastError(r)});
            }
            int[] widths = new int[6];
            for (String[] row : table) {
                for (int i = 0; i < 5; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (String[] row : table) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < 5; i++) {
                    line.append(String.format("%-" + widths[i] + "s  ", row[i]));
                }
                line.append(row[5]);
                out.println(line.toString().stripTrailing());
            }
            out.println(summary(view));
        }

        private static String shortId(String etag) {
            return etag.length() > 12 ? etag.substring(0, 12) : etag;
        }

        private static String lastError(FleetView.Row r) {
            if (r.problem() != null) {
                return r.problem();
            }
            HostReport rep = r.report();
            if (rep.lastPoll() != null && rep.lastPoll().message() != null) {
                return rep.lastPoll().message();
            }
            if (r.state() == HostStatus.State.QUARANTINED || r.state() == HostStatus.State.ROLLED_BACK) {
                return rep.lastAttempt() != null && rep.lastAttempt().message() != null ? rep.lastAttempt().message() : "";
            }
            return "";
        }

        /** {@code 3 hosts: 1 in sync, 1 behind, 1 silent} (states with no host left out). */
        static String summary(FleetView.Snapshot view) {
            StringBuilder s = new StringBuilder(view.rows().size() + (view.rows().size() == 1 ? " host" : " hosts"));
            String sep = ": ";
            for (Map.Entry<HostStatus.State, Integer> e : view.counts().entrySet()) {
                if (e.getValue() > 0) {
                    s.append(sep).append(e.getValue()).append(' ').append(e.getKey().label());
                    sep = ", ";
                }
            }
            return s.toString();
        }

        /** {@code fleet status --json}, schema 1: every key always there, absent values null. */
        private static void writeJson(JsonGenerator g, FleetView.Snapshot view) throws IOException {
            g.writeStartObject();
            g.writeNumberField("schema", SCHEMA);
            g.writeStringField("remote", view.remote().toString());
            g.writeFieldName("current");
            if (view.current().isPresent()) {
                RemoteObject c = view.current().get();
                g.writeStartObject();
                g.writeStringField("etag", c.etag().value());
                g.writeNumberField("size", c.size());
                g.writeStringField("last_modified", c.lastModified().map(Object::toString).orElse(null));
                g.writeEndObject();
            } else {
                g.writeNull();
            }
            g.writeStringField("at", view.at().toString());
            g.writeBooleanField("converged", view.converged());
            g.writeArrayFieldStart("hosts");
            for (FleetView.Row r : view.rows()) {
                HostReport rep = r.report();
                g.writeStartObject();
                g.writeStringField("host_id", r.hostId().value());
                g.writeStringField("state", r.state().json());
                g.writeStringField("configuration", rep == null || rep.configuration() == null ? null : rep.configuration().toString());
                g.writeFieldName("applied");
                if (rep != null && rep.applied() != null) {
                    g.writeStartObject();
                    release(g, rep.applied().release());
                    g.writeStringField("at", rep.applied().at() == null ? null : rep.applied().at().toString());
                    g.writeEndObject();
                } else {
                    g.writeNull();
                }
                g.writeFieldName("target");
                if (rep != null && rep.target() != null) {
                    g.writeStartObject();
                    release(g, rep.target());
                    g.writeEndObject();
                } else {
                    g.writeNull();
                }
                g.writeStringField("reported_at", rep == null ? null : rep.reportedAt().toString());
                if (r.age() == null) {
                    g.writeNullField("age_secs");
                } else {
                    g.writeNumberField("age_secs", r.age().toSeconds());
                }
                String error = lastError(r);
                g.writeStringField("last_error", error.isEmpty() ? null : error);
                g.writeStringField("paused_until", rep == null || rep.pausedUntil() == null ? null : rep.pausedUntil().toString());
                g.writeStringField("npcnix_version", rep == null ? null : rep.npcnixVersion());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("summary");
            g.writeNumberField("hosts", view.rows().size());
            for (Map.Entry<HostStatus.State, Integer> e : view.counts().entrySet()) {
                g.writeNumberField(e.getKey().json(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }

        private static void release(JsonGenerator g, HostReport.ReleaseRef release) throws IOException {
            g.writeStringField("etag", release.etag() == null ? null : release.etag().value());
            g.writeStringField("sha256", release.sha256());
            if (release.sequence() > 0) {
                g.writeNumberField("sequence", release.sequence());
            } else {
                g.writeNullField("sequence");
            }
        }
    }
}
