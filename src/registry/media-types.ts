/** The formats a signature lookup reads (OCI image spec, Docker v2 schema 2, cosign). */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** A cosign signature manifest may be either image manifest format: registries convert between them. */
export const MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];

/** A layer whose blob is a simple-signing payload. */
export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The layer annotation holding the base64 signature over that payload. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The artifactType of a signature manifest that cosign's OCI 1.1 mode attaches as a referrer. */
export const COSIGN_SIGNATURE_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
