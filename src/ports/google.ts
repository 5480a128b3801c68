/** The fields of a Google service-account JSON key that Postflow uses. */
export interface ServiceAccountKey { type: 'service_account'; client_email: string; private_key: string; private_key_id?: string; project_id?: string; client_id?: string; token_uri?: string }

/** One user of a Workspace domain as the Admin SDK lists it. */
export interface DirectoryUser { primaryEmail: string; suspended: boolean; archived: boolean; fullName: string | null; isAdmin: boolean }

/** Lists a Workspace domain's users (Admin SDK users.list, customer=my_customer), impersonating an admin. */
export interface DirectoryClient { listUsers(key: ServiceAccountKey, adminEmail: string): Promise<DirectoryUser[]> }
