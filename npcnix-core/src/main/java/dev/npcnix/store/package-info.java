/**
 * Stores and remotes: where packed flakes live and how a host reads them. {@link
 * dev.npcnix.store.RemoteStores} picks the {@link dev.npcnix.store.RemoteStore} for a
 * {@link dev.npcnix.store.RemoteUri} ({@code s3://}, {@code file://}, {@code https://}/{@code http://})
 * and owns the network clients. Guarantees: a poll is one conditional request that transfers no body
 * when unchanged; the ETag returned is the one of the bytes returned; a publish is one atomic step;
 * every failure is a one-line {@link dev.npcnix.store.StoreException} naming the remote, never
 * credentials.
 */
package dev.npcnix.store;
