import { tempSqliteStore } from '../support/temp-stores.js';
import { describeInsertRowContract } from './insert-row-contract.js';

describeInsertRowContract('sqlite', async () => {
  const { store, cleanup } = await tempSqliteStore('pf-rows-');
  return {
    store,
    cleanup,
  };
});
