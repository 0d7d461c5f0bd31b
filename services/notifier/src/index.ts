export { startNotifier, logChannel, type Channel } from './shell.ts'
