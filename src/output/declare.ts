// Text for declare/delete results (pure).
import type {ChalkInstance} from 'chalk'
import type {DeclareOutcome, DeleteOutcome} from '../core/declare.js'

export function renderDeclare(outcome: DeclareOutcome, colour?: ChalkInstance): string {
  const what = `${outcome.kind} ${outcome.name}`
  const lines = [outcome.created ? `${colour ? colour.green('created') : 'created'} ${what}` : `${what} already existed (identical)`]
  for (const b of outcome.bindings) lines.push(`bound ${outcome.kind} ${b.destination} to exchange ${b.source} with routing key "${b.routingKey}"`)
  return lines.join('\n')
}

export function renderDelete(outcome: DeleteOutcome): string {
  return outcome.deleted ? `deleted ${outcome.kind} ${outcome.name}` : `${outcome.kind} ${outcome.name} did not exist`
}
