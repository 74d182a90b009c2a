import { readDockerConfigText } from '../formats/docker-config.js';
import type { DockerConfig } from './docker-config.js';
import { CredentialsUnavailableError } from './errors.js';

/*
 * Parsing config.json, apart from the rest of the credentials code so that the format (and zod
 * with it) loads only when there is a config file to read: most pulls on a server have none.
 */

/**
 * Parses config.json text. Like the CLI, an empty file is an empty config. Errors name the
 * file and the offending key but never quote values: the file holds secrets.
 */
export function parseDockerConfig(text: string, path: string): DockerConfig {
  const reading = readDockerConfigText(text);
  if (!reading.ok) {
    // No cause kept: a JSON.parse error quotes the text around the fault.
    throw new CredentialsUnavailableError(`docker config ${path} is malformed: ${reading.problem}`, {
      hint: `fix or remove ${path} (docker login rewrites it)`,
    });
  }
  const { auths, credHelpers, credsStore } = reading.config;
  return { auths, credHelpers: new Map(credHelpers), credsStore };
}
