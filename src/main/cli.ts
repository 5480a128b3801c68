import { Command } from 'commander';
import { packageVersion } from './version.js';
import { registerServeCommands } from './commands/serve-commands.js';
import { registerSendCommand } from './commands/send-command.js';
import { registerSinkCommand } from './commands/sink-command.js';
import { registerBenchCommand } from './commands/bench-command.js';
import { registerCapacityCommand } from './commands/capacity-command.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerExportCommand } from './commands/export-command.js';

const program = new Command('postflow').description('Postflow: self-hosted, high-throughput email').version(packageVersion());
registerServeCommands(program);
registerSendCommand(program);
registerSinkCommand(program);
registerBenchCommand(program);
registerCapacityCommand(program);
registerImportCommand(program);
registerExportCommand(program);
await program.parseAsync(process.argv);
