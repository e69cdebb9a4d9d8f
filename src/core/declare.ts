// declare / delete: turn a plain plan into driver calls. Capability checks live in the drivers
// (UnsupportedError); the only check here is for the optional exchange methods of the contract.
import {NotFoundError, UnsupportedError} from '../errors.js'
import type {BindingSpec, Driver, ExchangeSpec, QueueSpec} from '../drivers/types.js'

export type DeclarePlan = {kind: 'queue'; queue: QueueSpec; bindings: BindingSpec[]} | {kind: 'exchange'; exchange: ExchangeSpec; bindings: BindingSpec[]}

export interface DeclareOutcome {
  kind: 'queue' | 'exchange'
  name: string
  /** False when an identical queue/exchange already existed. */
  created: boolean
  bindings: Array<{source: string; destination: string; routingKey: string}>
}

export interface DeleteOutcome {
  kind: 'queue' | 'exchange'
  name: string
  /** False only with `ifExists` when there was nothing to delete. */
  deleted: boolean
}

function lacking(driver: Driver, what: string): UnsupportedError {
  return new UnsupportedError(`${driver.backend} has no ${what} (${driver.displayUrl})`)
}

export async function declare(driver: Driver, plan: DeclarePlan): Promise<DeclareOutcome> {
  let created: boolean
  let name: string
  if (plan.kind === 'queue') {
    name = plan.queue.name
    ;({created} = await driver.declare(plan.queue))
  } else {
    name = plan.exchange.name
    if (!driver.declareExchange) throw lacking(driver, 'exchanges')
    ;({created} = await driver.declareExchange(plan.exchange))
  }
  const bindings: DeclareOutcome['bindings'] = []
  for (const binding of plan.bindings) {
    if (!driver.bind) throw lacking(driver, 'bindings')
    await driver.bind(binding)
    bindings.push({source: binding.source, destination: binding.destination, routingKey: binding.routingKey ?? ''})
  }
  return {kind: plan.kind, name, created, bindings}
}

export async function remove(driver: Driver, target: {kind: 'queue' | 'exchange'; name: string; ifExists?: boolean}): Promise<DeleteOutcome> {
  try {
    if (target.kind === 'queue') await driver.delete(target.name)
    else {
      if (!driver.deleteExchange) throw lacking(driver, 'exchanges')
      await driver.deleteExchange(target.name)
    }
  } catch (error) {
    if (target.ifExists && error instanceof NotFoundError) return {kind: target.kind, name: target.name, deleted: false}
    throw error
  }
  return {kind: target.kind, name: target.name, deleted: true}
}

/** One binding per (exchange, routing key) pair; no key means the empty key. */
export function bindingsFor(
  destination: string,
  destinationType: 'queue' | 'exchange',
  exchanges: readonly string[],
  routingKeys: readonly string[],
  args: Record<string, string | number | boolean> | undefined,
): BindingSpec[] {
  const keys = routingKeys.length > 0 ? routingKeys : ['']
  return exchanges.flatMap((source) => keys.map((routingKey) => ({source, destination, destinationType, routingKey, ...(args ? {args} : {})})))
}
