/**
 * npcnix core: the nouns shared by every feature package ({@link dev.npcnix.ConfigurationName}) and the
 * root of the failure hierarchy ({@link dev.npcnix.NpcnixException}). Feature packages: {@code store},
 * {@code archive}, {@code state}, {@code activate}, {@code follow}. Nothing here depends on the CLI.
 */
package dev.npcnix;
