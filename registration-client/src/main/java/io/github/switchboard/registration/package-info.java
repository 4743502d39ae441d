/**
 * How a decoder node joins a pool: {@link io.github.switchboard.registration.RegistrationClient} registers
 * it through the coordinator's HTTP API, else directly in Redis, else in the pool file, and
 * {@link io.github.switchboard.registration.KeepAlive} keeps it there with heartbeats. Start at
 * {@link io.github.switchboard.registration.RegistrationClients#builder()}.
 */
@NullMarked
package io.github.switchboard.registration;

import org.jspecify.annotations.NullMarked;
