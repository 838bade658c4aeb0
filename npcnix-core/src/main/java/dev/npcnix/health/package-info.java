/**
 * Health checks of a host after an activation: failed systemd units, HTTP URLs, commands, and whether
 * the store still answers. {@link dev.npcnix.health.HealthChecks} runs the configured ones once and
 * returns one {@link dev.npcnix.health.CheckResult} each; every check is bounded in time and never
 * throws for what it checks (a failure is a result). When to run them, and what a failure undoes, is
 * the poll step's ({@code follow}).
 */
package dev.npcnix.health;
