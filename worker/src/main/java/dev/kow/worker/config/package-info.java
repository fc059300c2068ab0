/**
 * The worker's configuration: validated {@code @ConfigurationProperties} records with
 * documented defaults ({@code worker.*}).
 */
@NullMarked
package dev.kow.worker.config;

import org.jspecify.annotations.NullMarked;
