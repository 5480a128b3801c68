/**
 * Encrypts credentials at rest (service-account keys, SMTP passwords, SES keys). `context` binds a sealed value
 * to where it is stored (e.g. `service_account:<id>`): a value copied to another row does not open.
 */
export interface SecretBox {
  seal(plain: string, context: string): string;
  /** The plain text; throws when the value was not sealed by this box's secret for this context. */
  open(sealed: string, context: string): string;
}
